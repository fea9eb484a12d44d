package dev.pinhole.ipset;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An immutable set of IPv4 and IPv6 addresses: one normalized {@link IpRangeSet} per family. Build one with
 * {@link #builder()} or {@link #parse(Iterable)}; {@link #toCidrs()} gives the minimal sorted allowlist.
 */
public final class IpSet {
    private static final IpSet EMPTY = new IpSet(IpRangeSet.empty(IpFamily.IPV4), IpRangeSet.empty(IpFamily.IPV6));

    private final IpRangeSet ipv4;
    private final IpRangeSet ipv6;

    private IpSet(IpRangeSet ipv4, IpRangeSet ipv6) {
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
    }

    public static IpSet empty() {
        return EMPTY;
    }

    public static IpSetBuilder builder() {
        return new IpSetBuilder();
    }

    /** The set of an IPv4 part and an IPv6 part. */
    public static IpSet of(IpRangeSet ipv4, IpRangeSet ipv6) {
        if (ipv4.family() != IpFamily.IPV4 || ipv6.family() != IpFamily.IPV6) {
            throw new IllegalArgumentException("expected an IPv4 set and an IPv6 set");
        }
        return new IpSet(ipv4, ipv6);
    }

    /** Parses user entries; throws {@link IpEntryFormatException} for the first malformed one. */
    public static IpSet parse(Iterable<String> entries) {
        return builder().addAll(entries).build();
    }

    /** Parses user entries; throws {@link IpEntryFormatException} for the first malformed one. */
    public static IpSet parse(String... entries) {
        return parse(List.of(entries));
    }

    public IpRangeSet ipv4() {
        return ipv4;
    }

    public IpRangeSet ipv6() {
        return ipv6;
    }

    public IpRangeSet part(IpFamily family) {
        return family == IpFamily.IPV4 ? ipv4 : ipv6;
    }

    public boolean isEmpty() {
        return ipv4.isEmpty() && ipv6.isEmpty();
    }

    /** Number of addresses of both families. */
    public BigInteger size() {
        return ipv4.size().add(ipv6.size());
    }

    public IpSet union(IpSet other) {
        return new IpSet(ipv4.union(other.ipv4), ipv6.union(other.ipv6));
    }

    /** Addresses in this set that are not in {@code other}. */
    public IpSet exclude(IpSet other) {
        return new IpSet(ipv4.exclude(other.ipv4), ipv6.exclude(other.ipv6));
    }

    public IpSet intersection(IpSet other) {
        return new IpSet(ipv4.intersection(other.ipv4), ipv6.intersection(other.ipv6));
    }

    public boolean contains(IpAddress address) {
        return part(address.family()).contains(address);
    }

    /** Membership of an IPv4 address given as its 32 big-endian bits. Allocation-free. */
    public boolean contains4(int address) {
        return ipv4.contains4(address);
    }

    /** Membership of an IPv6 address given as its high and low 64 bits. Allocation-free. */
    public boolean contains6(long hi, long lo) {
        return ipv6.contains6(hi, lo);
    }

    /**
     * Membership of the IPv4 address stored in network order at absolute {@code offset} of {@code buffer}
     * (e.g. the destination field of an IPv4 header), whatever the buffer's byte order; position and limit are
     * untouched. The caller has checked the packet length; an offset outside the limit is a caller bug and
     * throws IndexOutOfBoundsException. Allocation-free.
     */
    public boolean containsIpv4At(ByteBuffer buffer, int offset) {
        Objects.checkFromIndexSize(offset, 4, buffer.limit());
        int bits = buffer.getInt(offset);
        if (buffer.order() != ByteOrder.BIG_ENDIAN) {
            bits = Integer.reverseBytes(bits);
        }
        return ipv4.contains4(bits);
    }

    /**
     * Membership of the IPv6 address stored in network order at absolute {@code offset} of {@code buffer}; same
     * contract as {@link #containsIpv4At}. Allocation-free.
     */
    public boolean containsIpv6At(ByteBuffer buffer, int offset) {
        Objects.checkFromIndexSize(offset, 16, buffer.limit());
        long hi = buffer.getLong(offset);
        long lo = buffer.getLong(offset + 8);
        if (buffer.order() != ByteOrder.BIG_ENDIAN) {
            hi = Long.reverseBytes(hi);
            lo = Long.reverseBytes(lo);
        }
        return ipv6.contains6(hi, lo);
    }

    /** The minimal CIDR cover: IPv4 blocks first, then IPv6, each in numeric order. */
    public List<Cidr> toCidrs() {
        List<Cidr> out = new ArrayList<>(ipv4.rangeCount() + ipv6.rangeCount());
        ipv4.appendCidrs(out);
        ipv6.appendCidrs(out);
        return Collections.unmodifiableList(out);
    }

    /** {@link #toCidrs()} as canonical strings, e.g. ["192.0.2.10/31", ..., "2001:db8::/64"]. */
    public List<String> toCidrStrings() {
        List<Cidr> cidrs = toCidrs();
        List<String> out = new ArrayList<>(cidrs.size());
        for (Cidr c : cidrs) {
            out.add(c.toString());
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpSet other && ipv4.equals(other.ipv4) && ipv6.equals(other.ipv6);
    }

    @Override
    public int hashCode() {
        return 31 * ipv4.hashCode() + ipv6.hashCode();
    }

    @Override
    public String toString() {
        return toCidrStrings().toString();
    }
}
