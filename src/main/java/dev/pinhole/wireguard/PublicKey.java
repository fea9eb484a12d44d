package dev.pinhole.wireguard;

import java.util.Arrays;

/** A peer's X25519 public key: an immutable 32-byte value usable as a map key; prints as base64. */
public final class PublicKey {
    private final byte[] bytes;
    private final int hash;

    private PublicKey(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    public static PublicKey of(byte[] bytes) {
        if (bytes == null || bytes.length != Keys.KEY_LEN) {
            throw new IllegalArgumentException("public key must be 32 bytes");
        }
        return new PublicKey(bytes.clone());
    }

    public static PublicKey fromBase64(String text) {
        return new PublicKey(Keys.fromBase64(text));
    }

    /** A copy of the raw bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    byte[] raw() {
        return bytes;
    }

    public String toBase64() {
        return Keys.toBase64(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicKey && Arrays.equals(bytes, ((PublicKey) o).bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return toBase64();
    }
}
