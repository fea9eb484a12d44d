package dev.pinhole.wireguard.crypto;

import org.bouncycastle.crypto.digests.Blake2sDigest;

/** BLAKE2s as WireGuard uses it: HASH (32-byte digest), MAC (keyed, 16 bytes) and HMAC (RFC 2104, block 64). */
public final class Blake2s {
    public static final int HASH_LEN = 32;
    public static final int MAC_LEN = 16;
    private static final int BLOCK_LEN = 64;

    private Blake2s() {}

    /** HASH(parts...) = BLAKE2s-256 over the concatenation. */
    public static byte[] hash(byte[]... parts) {
        Blake2sDigest d = new Blake2sDigest(256);
        for (byte[] p : parts) {
            d.update(p, 0, p.length);
        }
        byte[] out = new byte[HASH_LEN];
        d.doFinal(out, 0);
        return out;
    }

    /** MAC(key, data) = keyed BLAKE2s with a 16-byte output, written to {@code out[outOff..outOff+16)}. */
    public static void mac(byte[] key, byte[] data, int off, int len, byte[] out, int outOff) {
        Blake2sDigest d = new Blake2sDigest(key, MAC_LEN, null, null);
        d.update(data, off, len);
        d.doFinal(out, outOff);
    }

    /** MAC(key, data) returning a new 16-byte array. */
    public static byte[] mac(byte[] key, byte[] data, int off, int len) {
        byte[] out = new byte[MAC_LEN];
        mac(key, data, off, len, out, 0);
        return out;
    }

    /**
     * HMAC(key, parts...) built over BLAKE2s-256 unkeyed, as the WireGuard paper specifies (not BLAKE2s keyed mode).
     */
    public static byte[] hmac(byte[] key, byte[]... parts) {
        byte[] k = new byte[BLOCK_LEN];
        if (key.length > BLOCK_LEN) {
            System.arraycopy(hash(key), 0, k, 0, HASH_LEN);
        } else {
            System.arraycopy(key, 0, k, 0, key.length);
        }
        byte[] pad = new byte[BLOCK_LEN];
        for (int i = 0; i < BLOCK_LEN; i++) {
            pad[i] = (byte) (k[i] ^ 0x36);
        }
        Blake2sDigest inner = new Blake2sDigest(256);
        inner.update(pad, 0, BLOCK_LEN);
        for (byte[] p : parts) {
            inner.update(p, 0, p.length);
        }
        byte[] innerHash = new byte[HASH_LEN];
        inner.doFinal(innerHash, 0);
        for (int i = 0; i < BLOCK_LEN; i++) {
            pad[i] = (byte) (k[i] ^ 0x5c);
        }
        Blake2sDigest outer = new Blake2sDigest(256);
        outer.update(pad, 0, BLOCK_LEN);
        outer.update(innerHash, 0, HASH_LEN);
        byte[] out = new byte[HASH_LEN];
        outer.doFinal(out, 0);
        java.util.Arrays.fill(k, (byte) 0);
        java.util.Arrays.fill(pad, (byte) 0);
        return out;
    }
}
