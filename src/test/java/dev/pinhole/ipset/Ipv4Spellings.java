package dev.pinhole.ipset;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every IPv6 spelling of one IPv4 address that some stack or network on the way turns back into that IPv4
 * address: the attacker's list for the address-model tests.
 */
public final class Ipv4Spellings {
    private Ipv4Spellings() {}

    /** A public IPv4 address (192.0.2.1 is documentation space, never forbidden) used where a form needs two. */
    private static final long OTHER = 0xC000_0201L;

    /** Form name → the IPv6 address that embeds {@code v4}. */
    public static Map<String, IpAddress> of(String v4) {
        long bits = Integer.toUnsignedLong(IpAddress.parse(v4).ipv4Bits());
        Map<String, IpAddress> out = new LinkedHashMap<>();
        out.put("mapped ::ffff:0:0/96", IpAddress.ofIpv6(0, 0x0000_ffff_0000_0000L | bits));
        out.put("compatible ::/96", IpAddress.ofIpv6(0, bits));
        out.put("translated ::ffff:0:0:0/96", IpAddress.ofIpv6(0, 0xffff_0000_0000_0000L | bits));
        out.put("NAT64 64:ff9b::/96", IpAddress.ofIpv6(0x0064_ff9b_0000_0000L, bits));
        out.put("NAT64 local-use 64:ff9b:1::/96", IpAddress.ofIpv6(0x0064_ff9b_0001_0000L, bits));
        // RFC 6052 /48 layout: IPv4 bits 0..15 at 48..63, the u octet (64..71) zero, bits 16..31 at 72..87.
        out.put("NAT64 local-use 64:ff9b:1::/48 layout", IpAddress.ofIpv6(0x0064_ff9b_0001_0000L | (bits >>> 16),
                (bits & 0xFFFF) << 40));
        out.put("6to4 2002::/16", IpAddress.ofIpv6(0x2002_0000_0000_0000L | (bits << 16), 1));
        out.put("Teredo client 2001::/32", IpAddress.ofIpv6(0x2001_0000_0000_0000L | OTHER,
                0x0000_0000_0000_0000L | (~bits & 0xFFFF_FFFFL)));
        out.put("Teredo server 2001::/32", IpAddress.ofIpv6(0x2001_0000_0000_0000L | bits,
                ~OTHER & 0xFFFF_FFFFL));
        return out;
    }

    /** The JDK address that stays IPv6 ({@link InetAddress#getByAddress} would turn a mapped one into IPv4). */
    public static Inet6Address inet6(IpAddress v6) {
        try {
            return Inet6Address.getByAddress(null, v6.toBytes(), -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
