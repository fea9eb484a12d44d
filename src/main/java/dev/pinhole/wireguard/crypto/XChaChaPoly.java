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
        ChaChaRounds.constants(x);
        for (int i = 0; i < 8; i++) {
            x[4 + i] = ChaChaRounds.intLe(key, 4 * i);
        }
        for (int i = 0; i < 4; i++) {
            x[12 + i] = ChaChaRounds.intLe(nonce, 4 * i);
        }
        ChaChaRounds.twentyRounds(x);
        byte[] out = new byte[32];
        for (int i = 0; i < 4; i++) {
            ChaChaRounds.putIntLe(out, 4 * i, x[i]);
            ChaChaRounds.putIntLe(out, 16 + 4 * i, x[12 + i]);
        }
        java.util.Arrays.fill(x, 0);
        return out;
    }
}
