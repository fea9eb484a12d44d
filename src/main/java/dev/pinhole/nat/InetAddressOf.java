package dev.pinhole.nat;

import dev.pinhole.ipset.IpAddress;
import java.net.InetAddress;

/** Converts {@link IpAddress} values to JDK addresses without any name lookup, keeping the family. */
final class InetAddressOf {
    private InetAddressOf() {}

    static InetAddress of(IpAddress address) {
        return address.toInetAddress();
    }
}
