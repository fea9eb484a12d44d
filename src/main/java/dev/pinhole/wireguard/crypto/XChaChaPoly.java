package dev.pinhole.wireguard.crypto;

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha): HChaCha20 derives a subkey from the first 16 nonce bytes, then
 * ChaCha20-Poly1305 runs with nonce = 4 zero bytes + the last 8 nonce bytes. Used only for cookie replies.
 */
public final class XChaChaPoly {
    public static final int NONCE_LEN = 24;

    private XChaChaPoly() {}

    public static byte[] seal(byte[] key, byte[] nonce24, byte[] plaintext, byte[] ad) {
        byte[] sub = hChaCha20(key, nonce24);
        try {
            return ChaChaPoly.seal(sub, readLongLe(nonce24, 16), plaintext, ad);
        } finally {
            java.util.Arrays.fill(sub, (byte) 0);
        }
    }

    /** Opens {@code in[off, off+len)}; null when authentication fails. */
    public static byte[] open(byte[] key, byte[] nonce24, byte[] in, int off, int len, byte[] ad) {
        byte[] sub = hChaCha20(key, nonce24);
        try {
            return ChaChaPoly.open(sub, readLongLe(nonce24, 16), in, off, len, ad);
        } finally {
            java.util.Arrays.fill(sub, (byte) 0);
        }
    }

    private static long readLongLe(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    /** HChaCha20(key, nonce[0..16)): 20 ChaCha rounds, output words 0..3 and 12..15, no final addition. */
    public static byte[] hChaCha20(byte[] key, byte[] nonce) {
        if (key.length != 32 || nonce.length < 16) {
            throw new IllegalArgumentException("HChaCha20 needs a 32-byte key and 16-byte nonce");
        }
        int[] x = new int[16];
        x[0] = 0x61707865;
        x[1] = 0x3320646e;
        x[2] = 0x79622d32;
        x[3] = 0x6b206574;
        for (int i = 0; i < 8; i++) {
            x[4 + i] = intLe(key, 4 * i);
        }
        for (int i = 0; i < 4; i++) {
            x[12 + i] = intLe(nonce, 4 * i);
        }
        for (int round = 0; round < 10; round++) {
            quarter(x, 0, 4, 8, 12);
            quarter(x, 1, 5, 9, 13);
            quarter(x, 2, 6, 10, 14);
            quarter(x, 3, 7, 11, 15);
            quarter(x, 0, 5, 10, 15);
            quarter(x, 1, 6, 11, 12);
            quarter(x, 2, 7, 8, 13);
            quarter(x, 3, 4, 9, 14);
        }
        byte[] out = new byte[32];
        for (int i = 0; i < 4; i++) {
            putIntLe(out, 4 * i, x[i]);
            putIntLe(out, 16 + 4 * i, x[12 + i]);
        }
        java.util.Arrays.fill(x, 0);
        return out;
    }

    private static void quarter(int[] x, int a, int b, int c, int d) {
        x[a] += x[b];
        x[d] = Integer.rotateLeft(x[d] ^ x[a], 16);
        x[c] += x[d];
        x[b] = Integer.rotateLeft(x[b] ^ x[c], 12);
        x[a] += x[b];
        x[d] = Integer.rotateLeft(x[d] ^ x[a], 8);
        x[c] += x[d];
        x[b] = Integer.rotateLeft(x[b] ^ x[c], 7);
    }

    private static int intLe(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static void putIntLe(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
        b[off + 2] = (byte) (v >>> 16);
        b[off + 3] = (byte) (v >>> 24);
    }
}
