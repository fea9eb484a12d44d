package dev.pinhole.ipset;

import java.util.Arrays;

/**
 * Collects ranges given in ascending start order into parallel primitive arrays, merging each one into the
 * previous when they overlap or touch, so the result is sorted, disjoint and non-adjacent.
 */
final class MergingRangeAppender {
    private final IpFamily family;
    private long[] startHi;
    private long[] startLo;
    private long[] endHi;
    private long[] endLo;
    private int count;

    MergingRangeAppender(IpFamily family, int expected) {
        this.family = family;
        int capacity = Math.max(4, expected);
        startHi = new long[capacity];
        startLo = new long[capacity];
        endHi = new long[capacity];
        endLo = new long[capacity];
    }

    void append(long sHi, long sLo, long eHi, long eLo) {
        if (count > 0) {
            int last = count - 1;
            long lastHi = endHi[last];
            long lastLo = endLo[last];
            if (touchesOrOverlaps(lastHi, lastLo, sHi, sLo)) {
                if (Bits128.compare(eHi, eLo, lastHi, lastLo) > 0) {
                    endHi[last] = eHi;
                    endLo[last] = eLo;
                }
                return;
            }
        }
        if (count == startHi.length) {
            int capacity = count * 2;
            startHi = Arrays.copyOf(startHi, capacity);
            startLo = Arrays.copyOf(startLo, capacity);
            endHi = Arrays.copyOf(endHi, capacity);
            endLo = Arrays.copyOf(endLo, capacity);
        }
        startHi[count] = sHi;
        startLo[count] = sLo;
        endHi[count] = eHi;
        endLo[count] = eLo;
        count++;
    }

    /** Whether a range starting at s can be merged into one ending at previousEnd (s <= previousEnd + 1). */
    private boolean touchesOrOverlaps(long endHi, long endLo, long sHi, long sLo) {
        if (endHi == family.maxHi() && endLo == family.maxLo()) {
            return true;
        }
        long nextLo = endLo + 1;
        long nextHi = nextLo == 0 ? endHi + 1 : endHi;
        return Bits128.compare(sHi, sLo, nextHi, nextLo) <= 0;
    }

    IpRangeSet toSet() {
        return new IpRangeSet(family, Arrays.copyOf(startHi, count), Arrays.copyOf(startLo, count),
                Arrays.copyOf(endHi, count), Arrays.copyOf(endLo, count));
    }
}
