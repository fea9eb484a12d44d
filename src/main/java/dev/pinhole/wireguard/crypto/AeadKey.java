package dev.pinhole.wireguard.crypto;

import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * A 32-byte ChaCha20-Poly1305 key we can zero: {@link javax.crypto.spec.SecretKeySpec} cannot be wiped on JDK 17,
 * so the protocol holds keys in this type and {@link #destroy()}s them when a session expires.
 */
public final class AeadKey implements SecretKey {
    private static final long serialVersionUID = 1L;
    private final byte[] key;
    private volatile boolean destroyed;

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
    public byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("key destroyed");
        }
        return key.clone();
    }

    @Override
    public void destroy() {
        Arrays.fill(key, (byte) 0);
        destroyed = true;
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }
}
