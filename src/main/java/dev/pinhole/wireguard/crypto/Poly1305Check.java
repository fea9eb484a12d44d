package dev.pinhole.wireguard.crypto;

/**
 * Checks a ChaCha20-Poly1305 tag (RFC 8439 section 2.8) before anything is decrypted, without allocating and
 * without exceptions: the JDK cipher reports a bad tag by throwing, and a forger who knows a live receiver index can
 * send as many bad tags as it likes. One instance per thread (it keeps its scratch state); the poly1305-donna
 * 26-bit-limb arithmetic.
 */
final class Poly1305Check {
    private static final long MASK26 = 0x3ffffff;

    private final int[] state = new int[16];
    private final int[] working = new int[16];
    private final byte[] block = new byte[16];
    private final byte[] computed = new byte[16];
    private long r0, r1, r2, r3, r4, s1, s2, s3, s4;
    private long h0, h1, h2, h3, h4;
    private long pad0, pad1, pad2, pad3;

    /**
     * Whether {@code in[off + len - 16, off + len)} is the tag of ciphertext {@code in[off, off + len - 16)} and
     * {@code ad} under {@code key} and WireGuard's nonce for {@code counter}. False for a destroyed key's caller
     * only through the exception {@link AeadKey} throws.
     */
    boolean verify(AeadKey key, long counter, byte[] ad, byte[] in, int off, int len) {
        int ctLen = len - ChaChaPoly.TAG_LEN;
        oneTimeKey(key, counter);
        int adLen = ad == null ? 0 : ad.length;
        if (adLen > 0) {
            absorbPadded(ad, 0, adLen);
        }
        absorbPadded(in, off, ctLen);
        putLongLe(block, 0, adLen);
        putLongLe(block, 8, ctLen);
        blockAt(block, 0);
        finish();
        int diff = 0;
        for (int i = 0; i < 16; i++) {
            diff |= computed[i] ^ in[off + ctLen + i];
        }
        java.util.Arrays.fill(working, 0);
        return diff == 0;
    }

    /** r and s from the first ChaCha20 block (counter 0) of this key and nonce. */
    private void oneTimeKey(AeadKey key, long counter) {
        int[] x = state;
        ChaChaRounds.constants(x);
        key.copyWordsTo(x, 4);
        x[12] = 0;
        x[13] = 0;
        x[14] = (int) counter;
        x[15] = (int) (counter >>> 32);
        int[] w = working;
        System.arraycopy(x, 0, w, 0, 16);
        ChaChaRounds.twentyRounds(w);
        for (int i = 0; i < 8; i++) {
            w[i] += x[i];
        }
        java.util.Arrays.fill(x, 4, 12, 0);
        long t0 = w[0] & 0xffffffffL;
        long t1 = w[1] & 0xffffffffL;
        long t2 = w[2] & 0xffffffffL;
        long t3 = w[3] & 0xffffffffL;
        r0 = t0 & 0x3ffffff;
        r1 = ((t0 >>> 26) | (t1 << 6)) & 0x3ffff03;
        r2 = ((t1 >>> 20) | (t2 << 12)) & 0x3ffc0ff;
        r3 = ((t2 >>> 14) | (t3 << 18)) & 0x3f03fff;
        r4 = (t3 >>> 8) & 0x00fffff;
        s1 = r1 * 5;
        s2 = r2 * 5;
        s3 = r3 * 5;
        s4 = r4 * 5;
        pad0 = w[4] & 0xffffffffL;
        pad1 = w[5] & 0xffffffffL;
        pad2 = w[6] & 0xffffffffL;
        pad3 = w[7] & 0xffffffffL;
        h0 = h1 = h2 = h3 = h4 = 0;
    }

    /** Full 16-byte blocks, the last one zero-padded (AEAD padding: every block carries the high bit). */
    private void absorbPadded(byte[] m, int off, int len) {
        int full = len & ~15;
        for (int i = 0; i < full; i += 16) {
            blockAt(m, off + i);
        }
        int rest = len - full;
        if (rest > 0) {
            java.util.Arrays.fill(block, (byte) 0);
            System.arraycopy(m, off + full, block, 0, rest);
            blockAt(block, 0);
        }
    }

    private void blockAt(byte[] m, int o) {
        long t0 = Integer.toUnsignedLong(ChaChaRounds.intLe(m, o));
        long t1 = Integer.toUnsignedLong(ChaChaRounds.intLe(m, o + 4));
        long t2 = Integer.toUnsignedLong(ChaChaRounds.intLe(m, o + 8));
        long t3 = Integer.toUnsignedLong(ChaChaRounds.intLe(m, o + 12));
        h0 += t0 & MASK26;
        h1 += ((t0 >>> 26) | (t1 << 6)) & MASK26;
        h2 += ((t1 >>> 20) | (t2 << 12)) & MASK26;
        h3 += ((t2 >>> 14) | (t3 << 18)) & MASK26;
        h4 += (t3 >>> 8) | (1L << 24);

        long d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
        long d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
        long d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
        long d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
        long d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;

        long c = d0 >>> 26;
        h0 = d0 & MASK26;
        d1 += c;
        c = d1 >>> 26;
        h1 = d1 & MASK26;
        d2 += c;
        c = d2 >>> 26;
        h2 = d2 & MASK26;
        d3 += c;
        c = d3 >>> 26;
        h3 = d3 & MASK26;
        d4 += c;
        c = d4 >>> 26;
        h4 = d4 & MASK26;
        h0 += c * 5;
        c = h0 >>> 26;
        h0 &= MASK26;
        h1 += c;
    }

    private void finish() {
        long c = h1 >>> 26;
        h1 &= MASK26;
        h2 += c;
        c = h2 >>> 26;
        h2 &= MASK26;
        h3 += c;
        c = h3 >>> 26;
        h3 &= MASK26;
        h4 += c;
        c = h4 >>> 26;
        h4 &= MASK26;
        h0 += c * 5;
        c = h0 >>> 26;
        h0 &= MASK26;
        h1 += c;

        // g = h + 5 - 2^130; take g when it is not negative (h >= p), in constant time.
        long g0 = h0 + 5;
        c = g0 >>> 26;
        g0 &= MASK26;
        long g1 = h1 + c;
        c = g1 >>> 26;
        g1 &= MASK26;
        long g2 = h2 + c;
        c = g2 >>> 26;
        g2 &= MASK26;
        long g3 = h3 + c;
        c = g3 >>> 26;
        g3 &= MASK26;
        long g4 = h4 + c - (1L << 26);
        long useG = (g4 >>> 63) - 1; // all ones when g4 >= 0
        long useH = ~useG;
        h0 = (h0 & useH) | (g0 & useG);
        h1 = (h1 & useH) | (g1 & useG);
        h2 = (h2 & useH) | (g2 & useG);
        h3 = (h3 & useH) | (g3 & useG);
        h4 = (h4 & useH) | (g4 & MASK26 & useG);

        long w0 = (h0 | (h1 << 26)) & 0xffffffffL;
        long w1 = ((h1 >>> 6) | (h2 << 20)) & 0xffffffffL;
        long w2 = ((h2 >>> 12) | (h3 << 14)) & 0xffffffffL;
        long w3 = ((h3 >>> 18) | (h4 << 8)) & 0xffffffffL;

        long f = w0 + pad0;
        ChaChaRounds.putIntLe(computed, 0, (int) f);
        f = w1 + pad1 + (f >>> 32);
        ChaChaRounds.putIntLe(computed, 4, (int) f);
        f = w2 + pad2 + (f >>> 32);
        ChaChaRounds.putIntLe(computed, 8, (int) f);
        f = w3 + pad3 + (f >>> 32);
        ChaChaRounds.putIntLe(computed, 12, (int) f);
        h0 = h1 = h2 = h3 = h4 = 0;
        r0 = r1 = r2 = r3 = r4 = s1 = s2 = s3 = s4 = 0;
        pad0 = pad1 = pad2 = pad3 = 0;
    }

    private static void putLongLe(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }
}
