package dev.pinhole.dns.synthetic;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 CIDR block. A small private stand-in until {@code dev.pinhole.ipset} is merged; parses only
 * address literals (never a hostname lookup).
 */
public final class IpPrefix {
    private final byte[] network;
    private final int length;

    private IpPrefix(byte[] network, int length) {
        this.network = network;
        this.length = length;
    }

    /**
     * Parses "100.80.0.0/12", "fd00:ec2::254/128" or a bare address (a /32 or /128).
     *
     * @throws IllegalArgumentException naming the value when it is not a CIDR or has host bits set
     */
    public static IpPrefix parse(String value) {
        String text = value.strip();
        int slash = text.indexOf('/');
        String addressPart = slash < 0 ? text : text.substring(0, slash);
        byte[] address = parseLiteral(addressPart, value);
        int max = address.length * 8;
        int len = max;
        if (slash >= 0) {
            try {
                len = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("CIDR '" + value + "' has a non-numeric prefix length");
            }
            if (len < 0 || len > max) {
                throw new IllegalArgumentException("CIDR '" + value + "' has prefix length " + len + " (0.." + max + ")");
            }
        }
        IpPrefix p = new IpPrefix(address, len);
        if (!Arrays.equals(mask(address, len), address)) {
            throw new IllegalArgumentException("CIDR '" + value + "' has host bits set; did you mean "
                    + new IpPrefix(mask(address, len), len) + "?");
        }
        return p;
    }

    /** The single-address prefix of {@code address}. */
    public static IpPrefix of(InetAddress address) {
        byte[] raw = address.getAddress();
        return new IpPrefix(raw, raw.length * 8);
    }

    /**
     * Parses an IPv4 or IPv6 address literal without ever looking up a hostname.
     *
     * @throws IllegalArgumentException naming the value when it is not a literal
     */
    public static InetAddress parseAddress(String literal) {
        return toAddress(parseLiteral(literal.strip(), literal));
    }

    static byte[] parseLiteral(String literal, String value) {
        boolean v6 = literal.indexOf(':') >= 0;
        if (literal.isEmpty()) {
            throw new IllegalArgumentException("'" + value + "' is not an IP address literal");
        }
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            boolean ok = v6 ? Character.digit(c, 16) >= 0 || c == '.' || c == ':' : c >= '0' && c <= '9' || c == '.';
            if (!ok) {
                throw new IllegalArgumentException("'" + value + "' is not an IP address literal");
            }
        }
        if (!v6) {
            // Check the octets here: InetAddress.getByName would treat "300.1.1.1" as a hostname and look it up.
            String[] octets = literal.split("\\.", -1);
            if (octets.length != 4) {
                throw new IllegalArgumentException("'" + value + "' is not an IPv4 address a.b.c.d");
            }
            for (String o : octets) {
                if (o.isEmpty() || o.length() > 3 || Integer.parseInt(o) > 255) {
                    throw new IllegalArgumentException("'" + value + "' is not an IPv4 address a.b.c.d");
                }
            }
        }
        try {
            InetAddress a = InetAddress.getByName(literal);
            byte[] raw = a.getAddress();
            if (v6 && raw.length == 4) {
                // Keep ::ffff:a.b.c.d as the 16-octet address the user wrote.
                raw = Inet6Address.getByAddress(null, toMapped(raw), -1).getAddress();
            }
            return raw;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + value + "' is not an IP address literal", e);
        }
    }

    private static byte[] toMapped(byte[] v4) {
        byte[] out = new byte[16];
        out[10] = (byte) 0xff;
        out[11] = (byte) 0xff;
        System.arraycopy(v4, 0, out, 12, 4);
        return out;
    }

    private static byte[] mask(byte[] address, int len) {
        byte[] out = address.clone();
        for (int bit = len; bit < out.length * 8; bit++) {
            out[bit >>> 3] &= (byte) ~(0x80 >>> (bit & 7));
        }
        return out;
    }

    public boolean isIpv4() {
        return network.length == 4;
    }

    public int prefixLength() {
        return length;
    }

    /** Number of host bits (32 or 128 minus the prefix length). */
    public int hostBits() {
        return network.length * 8 - length;
    }

    /** The network address. */
    public InetAddress network() {
        return toAddress(network);
    }

    /** Whether {@code address} is inside this prefix; addresses of the other family never are. */
    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    boolean contains(byte[] raw) {
        if (raw.length != network.length) {
            return false;
        }
        int full = length >>> 3;
        for (int i = 0; i < full; i++) {
            if (raw[i] != network[i]) {
                return false;
            }
        }
        int rest = length & 7;
        if (rest == 0) {
            return true;
        }
        int m = (0xff00 >>> rest) & 0xff;
        return (raw[full] & m) == (network[full] & m);
    }

    /** The address at {@code offset} from the network address (offset below 2^hostBits, at most 2^63). */
    public InetAddress addressAt(long offset) {
        byte[] raw = network.clone();
        long carry = offset;
        for (int i = raw.length - 1; i >= 0 && carry != 0; i--) {
            long sum = (raw[i] & 0xff) + (carry & 0xff);
            raw[i] = (byte) sum;
            carry = (carry >>> 8) + (sum >>> 8);
        }
        return toAddress(raw);
    }

    /** Offset of {@code address} from the network address, for addresses inside with at most 63 host bits. */
    public long offsetOf(InetAddress address) {
        byte[] raw = address.getAddress();
        long offset = 0;
        for (int i = Math.max(0, raw.length - 8); i < raw.length; i++) {
            offset = (offset << 8) | ((raw[i] ^ network[i]) & 0xff);
        }
        int bits = Math.min(63, hostBits());
        return bits == 63 ? offset & Long.MAX_VALUE : offset & ((1L << bits) - 1);
    }

    static InetAddress toAddress(byte[] raw) {
        try {
            return raw.length == 16 ? Inet6Address.getByAddress(null, raw, -1) : Inet4Address.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 octets always make an address", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpPrefix p && length == p.length && Arrays.equals(network, p.network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + length;
    }

    @Override
    public String toString() {
        return network().getHostAddress() + "/" + length;
    }
}
