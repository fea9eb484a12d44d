package dev.pinhole.dns.synthetic;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A keyed hash of a name (HMAC-SHA256 of its lower-case key): the same on every replica that holds the same key
 * and in every JVM, and, without the key, no one can compute which names share an address, so a client cannot
 * pick names whose address is another name's on purpose. Not thread-safe (one {@link Mac}); the pool's lock
 * guards it.
 */
final class NameHash {
    /** The key of pools built without one (tests, the standalone resolver): public, so names can be aimed. */
    static final byte[] PUBLIC_KEY = "pinhole synthetic addresses, no secret".getBytes(StandardCharsets.US_ASCII);

    private final Mac mac;

    NameHash(byte[] key) {
        if (key.length < 16) {
            throw new IllegalArgumentException("a name key needs at least 16 bytes, got " + key.length);
        }
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    /** The first 128 bits of the name key's HMAC: {@code [0]} the high half, {@code [1]} the low half. */
    long[] of(String nameKey) {
        byte[] digest = mac.doFinal(nameKey.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer b = ByteBuffer.wrap(digest);
        return new long[] {b.getLong(), b.getLong()};
    }
}
