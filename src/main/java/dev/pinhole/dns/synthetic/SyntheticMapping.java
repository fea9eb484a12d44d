package dev.pinhole.dns.synthetic;

import dev.pinhole.dns.message.DnsName;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * A snapshot of one mapped name: the synthetic addresses handed to clients and the real upstream addresses
 * the NAT layer connects to (either family, whatever the synthetic family).
 */
public record SyntheticMapping(DnsName name, Inet4Address ipv4, Optional<Inet6Address> ipv6,
        List<Inet4Address> realIpv4, List<Inet6Address> realIpv6) {

    public SyntheticMapping {
        realIpv4 = List.copyOf(realIpv4);
        realIpv6 = List.copyOf(realIpv6);
    }

    /** Real addresses, IPv4 first (pod egress through a NAT gateway is usually IPv4). */
    public List<InetAddress> realAddresses() {
        return java.util.stream.Stream.concat(realIpv4.stream(), realIpv6.stream())
                .map(InetAddress.class::cast).toList();
    }
}
