package dev.pinhole.netstack.packet;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Converts raw 4- or 16-byte addresses to {@link InetAddress} without name lookups, keeping the family: 16 bytes
 * stay an {@link Inet6Address} even for {@code ::ffff:a.b.c.d}, which {@link InetAddress#getByAddress(byte[])}
 * would turn into IPv4 (a client's IPv6 packet would then carry addresses of two families).
 */
final class InetAddresses {
    private InetAddresses() {
    }

    static InetAddress of(byte[] raw) {
        try {
            return raw.length == 16 ? Inet6Address.getByAddress(null, raw, -1) : InetAddress.getByAddress(raw);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address must be 4 or 16 bytes, got " + raw.length, e);
        }
    }
}
