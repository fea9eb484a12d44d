package dev.pinhole.wireguard.crypto;

/**
 * BLAKE2s as WireGuard uses it: HASH (32-byte digest), MAC (keyed, 16 bytes) and HMAC (RFC 2104, block 64).
 *
 * <p>Its own RFC 7693 implementation rather than BouncyCastle's: bcprov is a signed jar, so loading one class from
 * it made the JVM verify the jar and keep its 5,933-entry manifest (about 3 MB of heap), and classes of signed jars
 * cannot go into an AOT cache; the connector needs nothing else from it (issue 16: start time and memory). Checked
 * against BouncyCastle (test scope only) and the RFC's vectors by PrimitivesKnownAnswerTest.
 */
public final class Blake2s {
    public static final int HASH_LEN = 32;
    public static final int MAC_LEN = 16;
    private static final int BLOCK_LEN = 64;

    private Blake2s() {}

    /** HASH(parts...) = BLAKE2s-256 over the concatenation. */
    public static byte[] hash(byte[]... parts) {
        Digest d = new Digest(HASH_LEN, null);
        for (byte[] p : parts) {
            d.update(p, 0, p.length);
        }
        byte[] out = new byte[HASH_LEN];
        d.doFinal(out, 0);
        return out;
    }

    /** MAC(key, data) = keyed BLAKE2s with a 16-byte output, written to {@code out[outOff..outOff+16)}. */
    public static void mac(byte[] key, byte[] data, int off, int len, byte[] out, int outOff) {
        Digest d = new Digest(MAC_LEN, key);
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
        Digest inner = new Digest(HASH_LEN, null);
        inner.update(pad, 0, BLOCK_LEN);
        for (byte[] p : parts) {
            inner.update(p, 0, p.length);
        }
        byte[] innerHash = new byte[HASH_LEN];
        inner.doFinal(innerHash, 0);
        for (int i = 0; i < BLOCK_LEN; i++) {
            pad[i] = (byte) (k[i] ^ 0x5c);
        }
        Digest outer = new Digest(HASH_LEN, null);
        outer.update(pad, 0, BLOCK_LEN);
        outer.update(innerHash, 0, HASH_LEN);
        byte[] out = new byte[HASH_LEN];
        outer.doFinal(out, 0);
        java.util.Arrays.fill(k, (byte) 0);
        java.util.Arrays.fill(pad, (byte) 0);
        return out;
    }

    /** One BLAKE2s computation (RFC 7693, section 3): sequential mode, digest length 1..32, key of 0..32 bytes. */
    private static final class Digest {
        private static final int[] IV = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
            0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};
        private static final byte[][] SIGMA = {
            {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
            {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
            {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
            {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
            {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
            {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
            {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
            {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
            {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
            {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
        };

        private final int[] h = IV.clone();
        private final int[] v = new int[16];
        private final int[] m = new int[16];
        private final byte[] block = new byte[BLOCK_LEN];
        private final int outLen;
        /** Bytes in {@link #block} not compressed yet: the last block is compressed only by {@link #doFinal}. */
        private int filled;
        /** Bytes compressed so far (t in the RFC; WireGuard's inputs stay far below 2^32). */
        private long counter;

        Digest(int outLen, byte[] key) {
            int keyLen = key == null ? 0 : key.length;
            if (outLen < 1 || outLen > HASH_LEN || keyLen > HASH_LEN) {
                throw new IllegalArgumentException("BLAKE2s: digest length " + outLen + ", key length " + keyLen);
            }
            this.outLen = outLen;
            h[0] ^= 0x01010000 ^ (keyLen << 8) ^ outLen;
            if (keyLen > 0) {
                update(key, 0, keyLen);
                filled = BLOCK_LEN;   // the key is a whole block of its own, zero-padded
            }
        }

        void update(byte[] in, int off, int len) {
            while (len > 0) {
                if (filled == BLOCK_LEN) {
                    counter += BLOCK_LEN;
                    compress(false);
                    filled = 0;
                }
                int n = Math.min(len, BLOCK_LEN - filled);
                System.arraycopy(in, off, block, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        }

        void doFinal(byte[] out, int outOff) {
            counter += filled;
            java.util.Arrays.fill(block, filled, BLOCK_LEN, (byte) 0);
            compress(true);
            for (int i = 0; i < outLen; i++) {
                out[outOff + i] = (byte) (h[i >>> 2] >>> (8 * (i & 3)));
            }
            java.util.Arrays.fill(block, (byte) 0);
            java.util.Arrays.fill(h, 0);
            java.util.Arrays.fill(v, 0);
            java.util.Arrays.fill(m, 0);
        }

        private void compress(boolean last) {
            for (int i = 0; i < 16; i++) {
                m[i] = (block[4 * i] & 0xff) | (block[4 * i + 1] & 0xff) << 8 | (block[4 * i + 2] & 0xff) << 16
                        | (block[4 * i + 3] & 0xff) << 24;
            }
            System.arraycopy(h, 0, v, 0, 8);
            System.arraycopy(IV, 0, v, 8, 8);
            v[12] ^= (int) counter;
            v[13] ^= (int) (counter >>> 32);
            if (last) {
                v[14] = ~v[14];
            }
            for (byte[] s : SIGMA) {
                mix(0, 4, 8, 12, m[s[0]], m[s[1]]);
                mix(1, 5, 9, 13, m[s[2]], m[s[3]]);
                mix(2, 6, 10, 14, m[s[4]], m[s[5]]);
                mix(3, 7, 11, 15, m[s[6]], m[s[7]]);
                mix(0, 5, 10, 15, m[s[8]], m[s[9]]);
                mix(1, 6, 11, 12, m[s[10]], m[s[11]]);
                mix(2, 7, 8, 13, m[s[12]], m[s[13]]);
                mix(3, 4, 9, 14, m[s[14]], m[s[15]]);
            }
            for (int i = 0; i < 8; i++) {
                h[i] ^= v[i] ^ v[i + 8];
            }
        }

        /** The G function (RFC 7693, section 3.1) with BLAKE2s's rotations 16, 12, 8, 7. */
        private void mix(int a, int b, int c, int d, int x, int y) {
            v[a] += v[b] + x;
            v[d] = Integer.rotateRight(v[d] ^ v[a], 16);
            v[c] += v[d];
            v[b] = Integer.rotateRight(v[b] ^ v[c], 12);
            v[a] += v[b] + y;
            v[d] = Integer.rotateRight(v[d] ^ v[a], 8);
            v[c] += v[d];
            v[b] = Integer.rotateRight(v[b] ^ v[c], 7);
        }
    }
}
