package dev.pinhole.nat;

import dev.pinhole.ipset.IpAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Converts {@link IpAddress} values to JDK addresses without any name lookup. */
final class InetAddressOf {
    private InetAddressOf() {}

    static InetAddress of(IpAddress address) {
        try {
            return InetAddress.getByAddress(address.toBytes());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes always make an address", e);
        }
    }
}
