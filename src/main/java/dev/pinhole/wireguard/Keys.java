package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.X25519;
import java.security.SecureRandom;
import java.util.Base64;

/** Key minting and the base64 text form WireGuard tools use (32 raw bytes, standard base64 with padding). */
public final class Keys {
    public static final int KEY_LEN = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Keys() {}

    /** A new clamped X25519 private key, like {@code wg genkey}. */
    public static byte[] generatePrivate() {
        return X25519.generatePrivate(RANDOM);
    }

    /** The public key of {@code privateKey}, like {@code wg pubkey}. */
    public static byte[] publicFromPrivate(byte[] privateKey) {
        checkLength(privateKey);
        return X25519.publicFromPrivate(privateKey);
    }

    /** A new random preshared key, like {@code wg genpsk}. */
    public static byte[] generatePresharedKey() {
        byte[] k = new byte[KEY_LEN];
        RANDOM.nextBytes(k);
        return k;
    }

    public static String toBase64(byte[] key) {
        checkLength(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /**
     * Parses a base64 key; throws {@link IllegalArgumentException} with a reason when it is not 32 bytes of
     * standard base64.
     */
    public static byte[] fromBase64(String text) {
        if (text == null) {
            throw new IllegalArgumentException("key is missing");
        }
        String t = text.trim();
        if (t.length() != 44 || t.charAt(43) != '=') {
            throw new IllegalArgumentException("a WireGuard key is 44 base64 characters ending in '=', got "
                    + t.length() + " characters");
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(t);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key is not valid base64: " + e.getMessage(), e);
        }
        checkLength(key);
        return key;
    }

    /**
     * True when {@code publicKey} is a point of small order (all zeros, one, the order-8 points and their
     * non-canonical encodings): X25519 with it yields all zeros whatever the private key, so no handshake with it
     * can authenticate. Decided by the curve itself, not a list: every clamped scalar is a multiple of the cofactor
     * 8, so a fixed one maps exactly the small-order points to zero.
     */
    public static boolean isLowOrder(byte[] publicKey) {
        checkLength(publicKey);
        return X25519.sharedSecret(LOW_ORDER_PROBE, publicKey).isEmpty();
    }

    /** Any clamped scalar works for {@link #isLowOrder}; this one is fixed so the check is deterministic. */
    private static final byte[] LOW_ORDER_PROBE = probeScalar();

    private static byte[] probeScalar() {
        byte[] k = new byte[KEY_LEN];
        java.util.Arrays.fill(k, (byte) 0x5a);
        X25519.clamp(k);
        return k;
    }

    private static void checkLength(byte[] key) {
        if (key == null || key.length != KEY_LEN) {
            throw new IllegalArgumentException("a WireGuard key is 32 bytes, got "
                    + (key == null ? "none" : key.length));
        }
    }
}
