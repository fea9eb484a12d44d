package dev.pinhole.ipset;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** An inclusive range of addresses of one family, {@code first <= last}. */
public record AddressRange(IpAddress first, IpAddress last) {

    public AddressRange {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(last, "last");
        if (first.family() != last.family()) {
            throw new IllegalArgumentException("mixed families in range " + first + "-" + last);
        }
        if (first.compareTo(last) > 0) {
            throw new IllegalArgumentException("range start " + first + " is after its end " + last);
        }
    }

    /** The one-address range. */
    public static AddressRange of(IpAddress address) {
        return new AddressRange(address, address);
    }

    /** Parses any user entry (address, CIDR or "a-b"); see {@link IpEntryParser#parseEntry}. */
    public static AddressRange parse(String entry) {
        return IpEntryParser.parseEntry(entry);
    }

    public IpFamily family() {
        return first.family();
    }

    public boolean contains(IpAddress address) {
        return address.family() == family() && address.compareTo(first) >= 0 && address.compareTo(last) <= 0;
    }

    /** Number of addresses, up to 2^128 for all of IPv6. */
    public BigInteger size() {
        return last.toBigInteger().subtract(first.toBigInteger()).add(BigInteger.ONE);
    }

    /** The minimal list of CIDRs covering exactly this range, in numeric order. */
    public List<Cidr> toCidrs() {
        List<Cidr> out = new ArrayList<>();
        CidrCover.appendCover(family(), first.hi(), first.lo(), last.hi(), last.lo(), out);
        return out;
    }

    /** "first-last", or just the address for a one-address range. */
    @Override
    public String toString() {
        return first.equals(last) ? first.toString() : first + "-" + last;
    }
}
