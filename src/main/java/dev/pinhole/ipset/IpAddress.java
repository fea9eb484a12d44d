package dev.pinhole.ipset;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * One IPv4 or IPv6 address as an unsigned 128-bit number: IPv4 uses the low 32 bits of {@code lo} with
 * {@code hi == 0}. Ordered IPv4 first, then by numeric value.
 */
public record IpAddress(IpFamily family, long hi, long lo) implements Comparable<IpAddress> {

    public IpAddress {
        Objects.requireNonNull(family, "family");
        if (family == IpFamily.IPV4 && (hi != 0 || (lo >>> 32) != 0)) {
            throw new IllegalArgumentException("IPv4 address out of 32-bit range: hi=" + hi + " lo=" + lo);
        }
    }

    /** The IPv4 address whose 32 bits, big-endian, are {@code bits} (so {@code 0xC0000201} is 192.0.2.1). */
    public static IpAddress ofIpv4(int bits) {
        return new IpAddress(IpFamily.IPV4, 0L, Integer.toUnsignedLong(bits));
    }

    /** The IPv6 address whose high and low 64 bits, big-endian, are {@code hi} and {@code lo}. */
    public static IpAddress ofIpv6(long hi, long lo) {
        return new IpAddress(IpFamily.IPV6, hi, lo);
    }

    /** The address of a 4- or 16-byte network-order array. */
    public static IpAddress ofBytes(byte[] bytes) {
        if (bytes.length == 4) {
            return ofIpv4(((bytes[0] & 0xFF) << 24) | ((bytes[1] & 0xFF) << 16) | ((bytes[2] & 0xFF) << 8)
                    | (bytes[3] & 0xFF));
        }
        if (bytes.length == 16) {
            return ofIpv6(longAt(bytes, 0), longAt(bytes, 8));
        }
        throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
    }

    /** The address of a JDK {@link InetAddress} (no lookup: the address is already resolved). */
    public static IpAddress of(InetAddress address) {
        return ofBytes(address.getAddress());
    }

    /** Parses one address (no CIDR, no range); see {@link IpEntryParser#parseAddress}. */
    public static IpAddress parse(String text) {
        return IpEntryParser.parseAddress(text);
    }

    /** The first address of a family (0.0.0.0 or ::). */
    public static IpAddress min(IpFamily family) {
        return new IpAddress(family, 0L, 0L);
    }

    /** The last address of a family (255.255.255.255 or ffff:...:ffff). */
    public static IpAddress max(IpFamily family) {
        return new IpAddress(family, family.maxHi(), family.maxLo());
    }

    /** The 32 address bits of an IPv4 address as an int. */
    public int ipv4Bits() {
        if (family != IpFamily.IPV4) {
            throw new IllegalStateException(this + " is not an IPv4 address");
        }
        return (int) lo;
    }

    /** Network-order bytes: 4 for IPv4, 16 for IPv6. */
    public byte[] toBytes() {
        if (family == IpFamily.IPV4) {
            int v = (int) lo;
            return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        }
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (hi >>> (56 - 8 * i));
            out[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return out;
    }

    /**
     * The JDK address. IPv6 stays IPv6 even for {@code ::ffff:a.b.c.d}, which {@link InetAddress#getByAddress}
     * would silently turn into an IPv4 address.
     */
    public InetAddress toInetAddress() {
        try {
            return family == IpFamily.IPV4 ? Inet4Address.getByAddress(toBytes())
                    : Inet6Address.getByAddress(null, toBytes(), -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes always make an address", e);
        }
    }

    public boolean isMax() {
        return hi == family.maxHi() && lo == family.maxLo();
    }

    public boolean isMin() {
        return hi == 0 && lo == 0;
    }

    /** The following address; throws at the top of the family. */
    public IpAddress next() {
        if (isMax()) {
            throw new ArithmeticException(this + " is the last " + family.displayName() + " address");
        }
        long nLo = lo + 1;
        return new IpAddress(family, nLo == 0 ? hi + 1 : hi, nLo);
    }

    /** The preceding address; throws at the bottom of the family. */
    public IpAddress previous() {
        if (isMin()) {
            throw new ArithmeticException(this + " is the first " + family.displayName() + " address");
        }
        long pLo = lo - 1;
        return new IpAddress(family, lo == 0 ? hi - 1 : hi, pLo);
    }

    /** The address as a non-negative BigInteger (for display and tests; hot paths use the longs). */
    public BigInteger toBigInteger() {
        BigInteger high = new BigInteger(Long.toUnsignedString(hi));
        return high.shiftLeft(64).add(new BigInteger(Long.toUnsignedString(lo)));
    }

    @Override
    public int compareTo(IpAddress other) {
        if (family != other.family) {
            return family.compareTo(other.family);
        }
        return Bits128.compare(hi, lo, other.hi, other.lo);
    }

    /** Canonical text: dotted quad for IPv4, RFC 5952 (lowercase, longest zero run as "::") for IPv6. */
    @Override
    public String toString() {
        return family == IpFamily.IPV4 ? ipv4Text((int) lo) : ipv6Text(hi, lo);
    }

    private static String ipv4Text(int v) {
        return (v >>> 24) + "." + ((v >>> 16) & 0xFF) + "." + ((v >>> 8) & 0xFF) + "." + (v & 0xFF);
    }

    private static String ipv6Text(long hi, long lo) {
        int[] groups = new int[8];
        for (int i = 0; i < 4; i++) {
            groups[i] = (int) (hi >>> (48 - 16 * i)) & 0xFFFF;
            groups[4 + i] = (int) (lo >>> (48 - 16 * i)) & 0xFFFF;
        }
        // RFC 5952 4.2: compress the longest run of two or more zero groups, the first one on a tie.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    private static long longAt(byte[] b, int offset) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[offset + i] & 0xFF);
        }
        return v;
    }
}
