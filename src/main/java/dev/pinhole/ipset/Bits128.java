package dev.pinhole.ipset;

/**
 * Unsigned 128-bit arithmetic on (hi, lo) long pairs, shared by addresses, CIDRs and sets so that no hot
 * path needs BigInteger.
 */
final class Bits128 {
    private Bits128() {}

    static int compare(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    /** Low 64 bits of a mask with the lowest {@code hostBits} bits set (0..128). */
    static long lowMaskLo(int hostBits) {
        return hostBits >= 64 ? -1L : (1L << hostBits) - 1;
    }

    /** High 64 bits of a mask with the lowest {@code hostBits} bits set (0..128). */
    static long lowMaskHi(int hostBits) {
        if (hostBits <= 64) {
            return 0L;
        }
        return hostBits >= 128 ? -1L : (1L << (hostBits - 64)) - 1;
    }

    /** Number of trailing zero bits of (hi, lo); 128 for zero. */
    static int trailingZeros(long hi, long lo) {
        if (lo != 0) {
            return Long.numberOfTrailingZeros(lo);
        }
        return hi != 0 ? 64 + Long.numberOfTrailingZeros(hi) : 128;
    }

    /** floor(log2(n + 1)) for n = (hi, lo): the largest k with 2^k <= n + 1; 128 when n is all ones. */
    static int floorLog2OfSuccessor(long hi, long lo) {
        long sLo = lo + 1;
        long sHi = sLo == 0 ? hi + 1 : hi;
        if (sLo == 0 && sHi == 0) {
            return 128;
        }
        int bitLength = sHi != 0 ? 128 - Long.numberOfLeadingZeros(sHi) : 64 - Long.numberOfLeadingZeros(sLo);
        return bitLength - 1;
    }
}
