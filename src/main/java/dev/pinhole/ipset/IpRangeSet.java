package dev.pinhole.ipset;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * An immutable set of addresses of one family, held as sorted, disjoint, non-adjacent inclusive ranges in
 * primitive arrays. Membership is a binary search with no allocation; set operations are linear merges.
 */
public final class IpRangeSet {
    private final IpFamily family;
    // Parallel arrays, ascending; range i is [start(i), end(i)]; for IPv4 the hi arrays are all zero.
    private final long[] startHi;
    private final long[] startLo;
    private final long[] endHi;
    private final long[] endLo;
    // IPv4 lookup copies as ints with the sign bit flipped, so a signed compare orders them unsigned: half the
    // memory of the long arrays, so more of a large set stays in cache. Empty for IPv6.
    private final int[] ipv4StartsFlipped;
    private final int[] ipv4EndsFlipped;

    IpRangeSet(IpFamily family, long[] startHi, long[] startLo, long[] endHi, long[] endLo) {
        this.family = family;
        this.startHi = startHi;
        this.startLo = startLo;
        this.endHi = endHi;
        this.endLo = endLo;
        int n = family == IpFamily.IPV4 ? startLo.length : 0;
        ipv4StartsFlipped = new int[n];
        ipv4EndsFlipped = new int[n];
        for (int i = 0; i < n; i++) {
            ipv4StartsFlipped[i] = (int) startLo[i] ^ Integer.MIN_VALUE;
            ipv4EndsFlipped[i] = (int) endLo[i] ^ Integer.MIN_VALUE;
        }
    }

    public static IpRangeSet empty(IpFamily family) {
        return new MergingRangeAppender(family, 0).toSet();
    }

    /** Every address of the family (0.0.0.0/0 or ::/0). */
    public static IpRangeSet all(IpFamily family) {
        MergingRangeAppender out = new MergingRangeAppender(family, 1);
        out.append(0, 0, family.maxHi(), family.maxLo());
        return out.toSet();
    }

    /** The normalized set of the given ranges, which must all be of {@code family}; any order, overlaps allowed. */
    public static IpRangeSet of(IpFamily family, Collection<AddressRange> ranges) {
        RangeAccumulator acc = new RangeAccumulator(family);
        for (AddressRange r : ranges) {
            if (r.family() != family) {
                throw new IllegalArgumentException(r + " is not " + family.displayName());
            }
            acc.add(r.first().hi(), r.first().lo(), r.last().hi(), r.last().lo());
        }
        return acc.toSet();
    }

    public IpFamily family() {
        return family;
    }

    public boolean isEmpty() {
        return startLo.length == 0;
    }

    /** Number of disjoint ranges. */
    public int rangeCount() {
        return startLo.length;
    }

    /** The disjoint ranges in ascending order. */
    public List<AddressRange> ranges() {
        List<AddressRange> out = new ArrayList<>(startLo.length);
        for (int i = 0; i < startLo.length; i++) {
            out.add(new AddressRange(new IpAddress(family, startHi[i], startLo[i]),
                    new IpAddress(family, endHi[i], endLo[i])));
        }
        return Collections.unmodifiableList(out);
    }

    /** Number of addresses (up to 2^128). */
    public BigInteger size() {
        if (family == IpFamily.IPV4) {
            long total = 0;
            for (int i = 0; i < startLo.length; i++) {
                total += endLo[i] - startLo[i] + 1;
            }
            return BigInteger.valueOf(total);
        }
        BigInteger total = BigInteger.ZERO;
        for (int i = 0; i < startLo.length; i++) {
            total = total.add(new AddressRange(new IpAddress(family, startHi[i], startLo[i]),
                    new IpAddress(family, endHi[i], endLo[i])).size());
        }
        return total;
    }

    public boolean contains(IpAddress address) {
        return address.family() == family && containsBits(address.hi(), address.lo());
    }

    /** Membership of an IPv4 address given as its 32 big-endian bits; false for an IPv6 set. Allocation-free. */
    public boolean contains4(int address) {
        int[] starts = ipv4StartsFlipped;
        int n = starts.length;
        if (n == 0) {
            return false;
        }
        int x = address ^ Integer.MIN_VALUE;
        // Branch-free search for the last start <= x: the select compiles to a conditional move, so random
        // probes do not pay a mispredicted branch per step.
        int base = 0;
        while (n > 1) {
            int half = n >>> 1;
            base = starts[base + half] <= x ? base + half : base;
            n -= half;
        }
        return starts[base] <= x && x <= ipv4EndsFlipped[base];
    }

    /** Membership of an IPv6 address given as its high and low 64 bits; false for an IPv4 set. Allocation-free. */
    public boolean contains6(long hi, long lo) {
        return family == IpFamily.IPV6 && containsBits(hi, lo);
    }

    private boolean containsBits(long hi, long lo) {
        int n = startLo.length;
        if (n == 0) {
            return false;
        }
        // Unsigned compares as signed ones on sign-flipped values, combined with non-short-circuit operators so
        // the loop body stays free of data-dependent branches.
        long xHi = hi ^ Long.MIN_VALUE;
        long xLo = lo ^ Long.MIN_VALUE;
        int base = 0;
        while (n > 1) {
            int half = n >>> 1;
            int probe = base + half;
            long sHi = startHi[probe] ^ Long.MIN_VALUE;
            boolean startNotAfter = sHi < xHi | (sHi == xHi & (startLo[probe] ^ Long.MIN_VALUE) <= xLo);
            base = startNotAfter ? probe : base;
            n -= half;
        }
        return Bits128.compare(startHi[base], startLo[base], hi, lo) <= 0
                && Bits128.compare(hi, lo, endHi[base], endLo[base]) <= 0;
    }

    /** Addresses in this set or in {@code other}. */
    public IpRangeSet union(IpRangeSet other) {
        requireSameFamily(other);
        MergingRangeAppender out = new MergingRangeAppender(family, rangeCount() + other.rangeCount());
        int i = 0;
        int j = 0;
        while (i < rangeCount() || j < other.rangeCount()) {
            boolean takeThis = j >= other.rangeCount() || (i < rangeCount()
                    && Bits128.compare(startHi[i], startLo[i], other.startHi[j], other.startLo[j]) <= 0);
            if (takeThis) {
                out.append(startHi[i], startLo[i], endHi[i], endLo[i]);
                i++;
            } else {
                out.append(other.startHi[j], other.startLo[j], other.endHi[j], other.endLo[j]);
                j++;
            }
        }
        return out.toSet();
    }

    /** Addresses in this set and not in {@code other}. */
    public IpRangeSet exclude(IpRangeSet other) {
        requireSameFamily(other);
        MergingRangeAppender out = new MergingRangeAppender(family, rangeCount());
        int j = 0;
        for (int i = 0; i < rangeCount(); i++) {
            long curHi = startHi[i];
            long curLo = startLo[i];
            long eHi = endHi[i];
            long eLo = endLo[i];
            while (j < other.rangeCount() && Bits128.compare(other.endHi[j], other.endLo[j], curHi, curLo) < 0) {
                j++;
            }
            boolean swallowed = false;
            for (int k = j; k < other.rangeCount()
                    && Bits128.compare(other.startHi[k], other.startLo[k], eHi, eLo) <= 0; k++) {
                long bsHi = other.startHi[k];
                long bsLo = other.startLo[k];
                if (Bits128.compare(bsHi, bsLo, curHi, curLo) > 0) {
                    // b starts after cur, so b.start - 1 >= cur does not underflow.
                    long pLo = bsLo - 1;
                    long pHi = bsLo == 0 ? bsHi - 1 : bsHi;
                    out.append(curHi, curLo, pHi, pLo);
                }
                long beHi = other.endHi[k];
                long beLo = other.endLo[k];
                if (Bits128.compare(beHi, beLo, eHi, eLo) >= 0) {
                    swallowed = true;
                    break;
                }
                // b ends before e, so b.end + 1 does not overflow.
                curLo = beLo + 1;
                curHi = curLo == 0 ? beHi + 1 : beHi;
            }
            if (!swallowed) {
                out.append(curHi, curLo, eHi, eLo);
            }
        }
        return out.toSet();
    }

    /** Addresses in both this set and {@code other}. */
    public IpRangeSet intersection(IpRangeSet other) {
        requireSameFamily(other);
        MergingRangeAppender out = new MergingRangeAppender(family, Math.min(rangeCount(), other.rangeCount()));
        int i = 0;
        int j = 0;
        while (i < rangeCount() && j < other.rangeCount()) {
            boolean thisStartsLater = Bits128.compare(startHi[i], startLo[i], other.startHi[j], other.startLo[j]) > 0;
            long sHi = thisStartsLater ? startHi[i] : other.startHi[j];
            long sLo = thisStartsLater ? startLo[i] : other.startLo[j];
            boolean thisEndsFirst = Bits128.compare(endHi[i], endLo[i], other.endHi[j], other.endLo[j]) <= 0;
            long eHi = thisEndsFirst ? endHi[i] : other.endHi[j];
            long eLo = thisEndsFirst ? endLo[i] : other.endLo[j];
            if (Bits128.compare(sHi, sLo, eHi, eLo) <= 0) {
                out.append(sHi, sLo, eHi, eLo);
            }
            if (thisEndsFirst) {
                i++;
            } else {
                j++;
            }
        }
        return out.toSet();
    }

    /** The minimal CIDR cover of this set, in ascending order. */
    public List<Cidr> toCidrs() {
        List<Cidr> out = new ArrayList<>(rangeCount());
        appendCidrs(out);
        return Collections.unmodifiableList(out);
    }

    void appendCidrs(List<Cidr> out) {
        for (int i = 0; i < startLo.length; i++) {
            CidrCover.appendCover(family, startHi[i], startLo[i], endHi[i], endLo[i], out);
        }
    }

    private void requireSameFamily(IpRangeSet other) {
        if (other.family != family) {
            throw new IllegalArgumentException("cannot combine an " + family.displayName() + " set with an "
                    + other.family.displayName() + " set");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpRangeSet other && family == other.family && Arrays.equals(startHi, other.startHi)
                && Arrays.equals(startLo, other.startLo) && Arrays.equals(endHi, other.endHi)
                && Arrays.equals(endLo, other.endLo);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * family.hashCode() + Arrays.hashCode(startLo)) + Arrays.hashCode(endLo);
    }

    /** The ranges, e.g. "[192.0.2.10-192.0.2.20, 198.51.100.0-198.51.100.15]". */
    @Override
    public String toString() {
        return ranges().toString();
    }
}
