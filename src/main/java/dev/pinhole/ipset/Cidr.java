package dev.pinhole.ipset;

import java.math.BigInteger;
import java.util.Objects;

/** A CIDR block: a network address with no host bits set, and a prefix length within its family's width. */
public record Cidr(IpAddress network, int prefixLength) implements Comparable<Cidr> {

    public Cidr {
        Objects.requireNonNull(network, "network");
        int bits = network.family().bits();
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " outside 0.." + bits);
        }
        int host = bits - prefixLength;
        if ((network.hi() & Bits128.lowMaskHi(host)) != 0 || (network.lo() & Bits128.lowMaskLo(host)) != 0) {
            throw new IllegalArgumentException(network + "/" + prefixLength + " has host bits set");
        }
    }

    /** The block of the given prefix length that contains {@code address} (host bits cleared). */
    public static Cidr containing(IpAddress address, int prefixLength) {
        int bits = address.family().bits();
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " outside 0.." + bits);
        }
        int host = bits - prefixLength;
        return new Cidr(new IpAddress(address.family(), address.hi() & ~Bits128.lowMaskHi(host),
                address.lo() & ~Bits128.lowMaskLo(host)), prefixLength);
    }

    /** Parses "address/prefix"; see {@link IpEntryParser#parseCidr}. */
    public static Cidr parse(String text) {
        return IpEntryParser.parseCidr(text);
    }

    public IpFamily family() {
        return network.family();
    }

    public IpAddress first() {
        return network;
    }

    public IpAddress last() {
        int host = network.family().bits() - prefixLength;
        return new IpAddress(network.family(), network.hi() | Bits128.lowMaskHi(host),
                network.lo() | Bits128.lowMaskLo(host));
    }

    public boolean contains(IpAddress address) {
        return address.family() == family() && address.compareTo(first()) >= 0 && address.compareTo(last()) <= 0;
    }

    /** Bits left for hosts: the family's width minus the prefix length. */
    public int hostBits() {
        return network.family().bits() - prefixLength;
    }

    /**
     * The address {@code offset} places after the network address; offsets cover up to 63 host bits.
     *
     * @throws IllegalArgumentException when the offset is negative or falls outside the block
     */
    public IpAddress addressAt(long offset) {
        if (offset < 0 || (hostBits() < 63 && offset >= 1L << hostBits())) {
            throw new IllegalArgumentException("offset " + offset + " outside " + this);
        }
        // The block is aligned and the offset fits its host bits, so it only ever fills the low half's zeros.
        return new IpAddress(network.family(), network.hi(), network.lo() | offset);
    }

    /** The inverse of {@link #addressAt} for an address inside the block (its low 63 host bits at most). */
    public long offsetOf(IpAddress address) {
        if (!contains(address)) {
            throw new IllegalArgumentException(address + " is outside " + this);
        }
        long offset = address.lo() - network.lo();
        return hostBits() >= 63 ? offset & Long.MAX_VALUE : offset & ((1L << hostBits()) - 1);
    }

    /** Number of addresses: 2^(bits - prefix). */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(network.family().bits() - prefixLength);
    }

    public AddressRange toRange() {
        return new AddressRange(first(), last());
    }

    /** Numeric order of the network address (IPv4 first); on a tie the shorter prefix first. */
    @Override
    public int compareTo(Cidr other) {
        int c = network.compareTo(other.network);
        return c != 0 ? c : Integer.compare(prefixLength, other.prefixLength);
    }

    /** Canonical text, e.g. "198.51.100.0/28" or "2001:db8::/64". */
    @Override
    public String toString() {
        return network + "/" + prefixLength;
    }
}
