package dev.pinhole.wireguard.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Checks a ChaCha20-Poly1305 tag (RFC 8439 section 2.8) before anything is decrypted, without allocating and
 * without exceptions: the JDK cipher reports a bad tag by throwing, and a forger who knows a live receiver index can
 * send as many bad tags as it likes. One instance per thread (it keeps its scratch state).
 *
 * <p>The arithmetic is OpenSSL's base 2^64 Poly1305 ({@code crypto/poly1305/poly1305.c}): the accumulator in two
 * 64-bit words plus a few bits, four 64x64→128-bit products per 16-byte block ({@link Math#multiplyHigh}, an
 * intrinsic on JDK 17 too) instead of the 25 of 26-bit limbs, and the block read as two little-endian longs. The
 * JDK's own (vectorised) Poly1305 is not reachable: no public {@code Mac} offers it.
 */
final class Poly1305Check {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    /** RFC 8439 section 2.5's clamp of r, as two little-endian words. */
    private static final long CLAMP0 = 0x0ffffffc0fffffffL;
    private static final long CLAMP1 = 0x0ffffffc0ffffffcL;

    private final int[] state = new int[16];
    private final int[] keyStream = new int[16];
    private final byte[] block = new byte[16];
    /** r (clamped) and s1 = r1 + r1/4 (r1's low two bits are zero, so 5 * r1 / 4 exactly). */
    private long r0, r1, s1;
    private long pad0, pad1;
    /** The accumulator: h0 + h1 * 2^64 + h2 * 2^128, partially reduced (h2 stays below 8). */
    private long h0, h1, h2;
    private long tagLow, tagHigh;

    /**
     * Whether {@code in[off + len - 16, off + len)} is the tag of ciphertext {@code in[off, off + len - 16)} and
     * {@code ad} under {@code key} and WireGuard's nonce for {@code counter}. A destroyed key throws
     * {@link IllegalStateException} (from {@link AeadKey}).
     */
    boolean verify(AeadKey key, long counter, byte[] ad, byte[] in, int off, int len) {
        int ctLen = len - ChaChaPoly.TAG_LEN;
        oneTimeKey(key, counter);
        int adLen = ad == null ? 0 : ad.length;
        if (adLen > 0) {
            absorbZeroPadded(ad, 0, adLen);
        }
        absorbZeroPadded(in, off, ctLen);
        LONG_LE.set(block, 0, (long) adLen);
        LONG_LE.set(block, 8, (long) ctLen);
        absorb(block, 0, 1, 1);
        finish();
        int tagAt = off + ctLen;
        long diff = (tagLow ^ (long) LONG_LE.get(in, tagAt)) | (tagHigh ^ (long) LONG_LE.get(in, tagAt + 8));
        forget();
        return diff == 0;
    }

    /**
     * Plain Poly1305 (RFC 8439 section 2.5) of {@code m[off, off + len)} under the 32-byte one-time key
     * {@code key}: a partial last block is padded with a 1 byte, not with the AEAD's zeros. For the RFC's vectors.
     */
    byte[] mac(byte[] key, byte[] m, int off, int len) {
        setKey((long) LONG_LE.get(key, 0), (long) LONG_LE.get(key, 8), (long) LONG_LE.get(key, 16),
                (long) LONG_LE.get(key, 24));
        int full = len >>> 4;
        absorb(m, off, full, 1);
        int rest = len & 15;
        if (rest > 0) {
            java.util.Arrays.fill(block, (byte) 0);
            System.arraycopy(m, off + 16 * full, block, 0, rest);
            block[rest] = 1;
            absorb(block, 0, 1, 0);
        }
        finish();
        byte[] out = new byte[16];
        LONG_LE.set(out, 0, tagLow);
        LONG_LE.set(out, 8, tagHigh);
        forget();
        return out;
    }

    /** r and s from the first ChaCha20 block (counter 0) of this key and WireGuard's nonce for {@code counter}. */
    private void oneTimeKey(AeadKey key, long counter) {
        int[] x = state;
        ChaChaRounds.constants(x);
        key.copyWordsTo(x, 4);
        x[12] = 0;
        x[13] = 0;
        x[14] = (int) counter;
        x[15] = (int) (counter >>> 32);
        int[] w = keyStream;
        ChaChaRounds.block(x, w);
        java.util.Arrays.fill(x, 4, 12, 0);
        setKey(words(w[0], w[1]), words(w[2], w[3]), words(w[4], w[5]), words(w[6], w[7]));
        java.util.Arrays.fill(w, 0);
    }

    private static long words(int low, int high) {
        return (low & 0xffffffffL) | (long) high << 32;
    }

    private void setKey(long rLow, long rHigh, long sLow, long sHigh) {
        r0 = rLow & CLAMP0;
        r1 = rHigh & CLAMP1;
        s1 = r1 + (r1 >>> 2);
        pad0 = sLow;
        pad1 = sHigh;
        h0 = h1 = h2 = 0;
    }

    /** Whole 16-byte blocks, the last one zero-padded (AEAD padding: every block carries the 2^128 bit). */
    private void absorbZeroPadded(byte[] m, int off, int len) {
        int full = len >>> 4;
        absorb(m, off, full, 1);
        int rest = len & 15;
        if (rest > 0) {
            java.util.Arrays.fill(block, (byte) 0);
            System.arraycopy(m, off + 16 * full, block, 0, rest);
            absorb(block, 0, 1, 1);
        }
    }

    /** h = (h + block) * r, partially reduced mod 2^130 - 5, for {@code blocks} 16-byte blocks from {@code off}. */
    private void absorb(byte[] m, int off, int blocks, long highBit) {
        long a0 = h0;
        long a1 = h1;
        long a2 = h2;
        final long k0 = r0;
        final long k1 = r1;
        final long k1x = s1;
        for (int i = 0, o = off; i < blocks; i++, o += 16) {
            long m0 = (long) LONG_LE.get(m, o);
            long m1 = (long) LONG_LE.get(m, o + 8);
            long t = a0 + m0;
            long c = carry(a0, m0, t);
            a0 = t;
            t = a1 + m1 + c;
            c = carry(a1, m1, t);
            a1 = t;
            a2 += c + highBit;

            // d0 = a0*r0 + a1*s1, d1 = a0*r1 + a1*r0 + a2*s1 (128 bits each, below 2^127), d2 = a2*r0.
            long lo = a0 * k0;
            long hi = mulHigh(a0, k0);
            long lo2 = a1 * k1x;
            long d0 = lo + lo2;
            long d0h = hi + mulHigh(a1, k1x) + carry(lo, lo2, d0);

            lo = a0 * k1;
            hi = mulHigh(a0, k1);
            lo2 = a1 * k0;
            long d1 = lo + lo2;
            long d1h = hi + mulHigh(a1, k0) + carry(lo, lo2, d1);
            long e = a2 * k1x; // a2 < 8 and s1 < 2^61: fits 64 bits unsigned
            t = d1 + e;
            d1h += carry(d1, e, t);
            d1 = t;
            long d2 = a2 * k0;

            // a = d2 * 2^128 + d1 * 2^64 + d0, then fold the bits from 2^130 up back in times 5.
            a0 = d0;
            t = d1 + d0h;
            d1h += carry(d1, d0h, t);
            a1 = t;
            d2 += d1h;
            c = (d2 >>> 2) + (d2 & ~3L);
            a2 = d2 & 3;
            t = a0 + c;
            c = carry(a0, c, t);
            a0 = t;
            t = a1 + c;
            c = carry(a1, c, t);
            a1 = t;
            a2 += c;
        }
        h0 = a0;
        h1 = a1;
        h2 = a2;
    }

    /** Fully reduces h and adds s: the tag, as two little-endian words. */
    private void finish() {
        // g = h + 5: when it reaches 2^130, h >= p and h - p is g's low 130 bits (constant time).
        long g0 = h0 + 5;
        long c = carry(h0, 5, g0);
        long g1 = h1 + c;
        c = carry(h1, c, g1);
        long g2 = h2 + c;
        long useG = -(g2 >>> 2);
        long f0 = (h0 & ~useG) | (g0 & useG);
        long f1 = (h1 & ~useG) | (g1 & useG);
        tagLow = f0 + pad0;
        tagHigh = f1 + pad1 + carry(f0, pad0, tagLow);
    }

    private void forget() {
        r0 = r1 = s1 = pad0 = pad1 = h0 = h1 = h2 = tagLow = tagHigh = 0;
    }

    /** The carry out of {@code sum = a + b (+ a carry in)}, 0 or 1, without a branch. */
    private static long carry(long a, long b, long sum) {
        return ((a & b) | ((a | b) & ~sum)) >>> 63;
    }

    /** The high 64 bits of the unsigned 128-bit product of {@code a} and {@code b}, for {@code b} below 2^63. */
    private static long mulHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b);
    }
}
