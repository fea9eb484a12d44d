package dev.pinhole.wireguard;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 prefix such as {@code 10.0.0.0/8}; host bits beyond the length are cleared. */
public record IpPrefix(byte[] address, int length) {

    public IpPrefix {
        if (address == null || (address.length != 4 && address.length != 16)) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes");
        }
        if (length < 0 || length > address.length * 8) {
            throw new IllegalArgumentException("prefix length " + length + " out of range");
        }
        address = address.clone();
        for (int bit = length; bit < address.length * 8; bit++) {
            address[bit >>> 3] &= (byte) ~(0x80 >>> (bit & 7));
        }
    }

    /** Parses {@code a.b.c.d/n}, {@code x::y/n} or a bare address (a host prefix). Literals only, no DNS. */
    public static IpPrefix parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        // Only literals reach InetAddress, which would otherwise resolve names through DNS.
        boolean v4 = addr.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = addr.contains(":") && addr.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) {
            throw new IllegalArgumentException("not an IP address literal: " + text);
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(addr).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + text, e);
        }
        int len;
        if (slash < 0) {
            len = bytes.length * 8;
        } else {
            try {
                len = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + text, e);
            }
        }
        return new IpPrefix(bytes, len);
    }

    @Override
    public byte[] address() {
        return address.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpPrefix && ((IpPrefix) o).length == length
                && java.util.Arrays.equals(((IpPrefix) o).address, address);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(address) * 31 + length;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(address).getHostAddress() + "/" + length;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
