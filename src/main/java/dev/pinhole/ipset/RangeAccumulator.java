package dev.pinhole.ipset;

import java.util.Arrays;

/**
 * Gathers ranges of one family in any order, then sorts and merges them into an {@link IpRangeSet}. IPv4 ranges
 * are packed into one long each (start in the high half, end in the low half) so sorting 100,000 entries is a
 * primitive sort; IPv6 ranges are sorted through an index array.
 */
final class RangeAccumulator {
    private final IpFamily family;
    private long[] data; // IPv4: one packed long per range; IPv6: four longs per range
    private int count;

    RangeAccumulator(IpFamily family) {
        this.family = family;
        this.data = new long[16];
    }

    void add(long sHi, long sLo, long eHi, long eLo) {
        int width = family == IpFamily.IPV4 ? 1 : 4;
        if ((count + 1) * width > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, (count + 1) * width));
        }
        if (family == IpFamily.IPV4) {
            // Flipping the top bit makes a signed sort order the unsigned start addresses.
            data[count] = ((sLo << 32) | eLo) ^ Long.MIN_VALUE;
        } else {
            int at = count * 4;
            data[at] = sHi;
            data[at + 1] = sLo;
            data[at + 2] = eHi;
            data[at + 3] = eLo;
        }
        count++;
    }

    int count() {
        return count;
    }

    IpRangeSet toSet() {
        MergingRangeAppender out = new MergingRangeAppender(family, Math.min(count, 1024));
        if (family == IpFamily.IPV4) {
            long[] packed = Arrays.copyOf(data, count);
            Arrays.sort(packed);
            for (long p : packed) {
                long v = p ^ Long.MIN_VALUE;
                out.append(0, v >>> 32, 0, v & 0xFFFF_FFFFL);
            }
        } else {
            Integer[] order = new Integer[count];
            for (int i = 0; i < count; i++) {
                order[i] = i;
            }
            long[] d = data;
            Arrays.sort(order, (a, b) -> Bits128.compare(d[a * 4], d[a * 4 + 1], d[b * 4], d[b * 4 + 1]));
            for (int i : order) {
                out.append(d[i * 4], d[i * 4 + 1], d[i * 4 + 2], d[i * 4 + 3]);
            }
        }
        return out.toSet();
    }
}
