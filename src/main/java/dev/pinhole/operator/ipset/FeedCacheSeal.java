package dev.pinhole.operator.ipset;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that authenticates the persisted feed caches (HMAC-SHA256): a cache lives in the set's namespace, where
 * anyone with ConfigMap rights can write it, so only a cache sealed with the operator's own key is restored.
 */
public final class FeedCacheSeal {
    /** 256 bits, HMAC-SHA256's block-independent key strength. */
    static final int KEY_BYTES = 32;

    private final SecretKeySpec key;

    FeedCacheSeal(byte[] key) {
        if (key.length < KEY_BYTES) {
            throw new IllegalArgumentException("a feed cache key needs at least " + KEY_BYTES + " bytes, got "
                    + key.length);
        }
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    /** A fresh random key (for a new key Secret, or a process that has nowhere to keep one). */
    static byte[] newKey() {
        byte[] key = new byte[KEY_BYTES];
        new SecureRandom().nextBytes(key);
        return key;
    }

    /** A seal with a fresh random key: caches it writes are not restored by any other process. */
    public static FeedCacheSeal ephemeral() {
        return new FeedCacheSeal(newKey());
    }

    /** The hex MAC of a cache's payload, bound to the set it belongs to (its UID). */
    String seal(String setUid, byte[] payload) {
        return HexFormat.of().formatHex(mac(setUid, payload));
    }

    /** Whether {@code sealHex} is this key's MAC of {@code payload} for {@code setUid} (constant time). */
    boolean verifies(String setUid, byte[] payload, String sealHex) {
        byte[] given;
        try {
            given = HexFormat.of().parseHex(sealHex);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(mac(setUid, payload), given);
    }

    private byte[] mac(String setUid, byte[] payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            // Length-prefixed UID, so no UID/payload split can be read two ways.
            byte[] uid = setUid.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            mac.update(new byte[] {(byte) (uid.length >>> 8), (byte) uid.length});
            mac.update(uid);
            mac.update(payload);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "FeedCacheSeal[key hidden]";
    }
}
