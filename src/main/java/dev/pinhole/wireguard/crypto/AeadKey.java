package dev.pinhole.wireguard.crypto;

import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * A 32-byte ChaCha20-Poly1305 key we can zero: {@link javax.crypto.spec.SecretKeySpec} cannot be wiped on JDK 17,
 * so the protocol holds keys in this type and {@link #destroy()}s them when a session expires.
 *
 * <p>A seal can race a peer removal. Reading the bytes and destroying them take the same lock, and destroy marks the
 * key destroyed before it zeroes it: a reader gets the real key or an {@link IllegalStateException}, never zeroed
 * (or half-zeroed) bytes, which would encrypt under a key anyone can compute.
 */
public final class AeadKey implements SecretKey {
    private static final long serialVersionUID = 1L;
    private final byte[] key;
    private boolean destroyed;

    public AeadKey(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("AEAD key must be 32 bytes, got " + key.length);
        }
        this.key = key.clone();
    }

    @Override
    public String getAlgorithm() {
        return "ChaCha20";
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    @Override
    public synchronized byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("key destroyed");
        }
        return key.clone();
    }

    /** Writes the key as eight little-endian words into {@code dst[off, off + 8)}, without allocating. */
    synchronized void copyWordsTo(int[] dst, int off) {
        if (destroyed) {
            throw new IllegalStateException("key destroyed");
        }
        for (int i = 0; i < 8; i++) {
            int o = 4 * i;
            dst[off + i] = (key[o] & 0xff) | (key[o + 1] & 0xff) << 8 | (key[o + 2] & 0xff) << 16
                    | (key[o + 3] & 0xff) << 24;
        }
    }

    @Override
    public synchronized void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public synchronized boolean isDestroyed() {
        return destroyed;
    }
}
