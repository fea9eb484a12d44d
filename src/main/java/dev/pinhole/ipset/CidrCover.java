package dev.pinhole.ipset;

import java.util.List;

/**
 * Splits an inclusive range into its minimal CIDR cover: at each step the largest block that is both aligned at
 * the current start and no longer than what remains. For one range this greedy choice is optimal, and because
 * a normalized set's ranges are disjoint and non-adjacent, no block can span two ranges, so concatenating the
 * per-range covers is the minimal cover of the set.
 */
final class CidrCover {
    private CidrCover() {}

    static void appendCover(IpFamily family, long startHi, long startLo, long endHi, long endLo, List<Cidr> out) {
        int bits = family.bits();
        long sHi = startHi;
        long sLo = startLo;
        while (true) {
            int alignment = Math.min(bits, Bits128.trailingZeros(sHi, sLo));
            long remainingLo = endLo - sLo;
            long remainingHi = endHi - sHi - (Long.compareUnsigned(endLo, sLo) < 0 ? 1 : 0);
            int hostBits = Math.min(alignment, Bits128.floorLog2OfSuccessor(remainingHi, remainingLo));
            out.add(new Cidr(new IpAddress(family, sHi, sLo), bits - hostBits));
            long lastHi = sHi | Bits128.lowMaskHi(hostBits);
            long lastLo = sLo | Bits128.lowMaskLo(hostBits);
            if (lastHi == endHi && lastLo == endLo) {
                return;
            }
            // last < end, so last + 1 cannot overflow the family.
            sLo = lastLo + 1;
            sHi = sLo == 0 ? lastHi + 1 : lastHi;
        }
    }
}
