package dev.pinhole.dns.resolver;

import dev.pinhole.dns.synthetic.IpPrefix;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a real upstream address may be mapped (DNS rebinding and SSRF protection): loopback,
 * link-local, cloud metadata, unspecified, multicast, reserved, cluster ranges and the app range itself are
 * refused unless a static route names them. IPv4-mapped and NAT64 (64:ff9b::/96) IPv6 addresses are judged
 * by the IPv4 address inside.
 */
public final class RealAddressPolicy {
    private record Rule(IpPrefix prefix, RefusalReason reason) {
    }

    private static final IpPrefix IPV4_MAPPED = IpPrefix.parse("::ffff:0:0/96");
    private static final IpPrefix NAT64 = IpPrefix.parse("64:ff9b::/96");

    /** Most specific first: the metadata addresses sit inside link-local ranges. */
    private static final List<Rule> BUILT_IN = List.of(
            new Rule(IpPrefix.parse("169.254.169.254/32"), RefusalReason.CLOUD_METADATA),
            new Rule(IpPrefix.parse("fd00:ec2::254/128"), RefusalReason.CLOUD_METADATA),
            new Rule(IpPrefix.parse("100.100.100.200/32"), RefusalReason.CLOUD_METADATA), // Alibaba Cloud
            new Rule(IpPrefix.parse("127.0.0.0/8"), RefusalReason.LOOPBACK),
            new Rule(IpPrefix.parse("::1/128"), RefusalReason.LOOPBACK),
            new Rule(IpPrefix.parse("169.254.0.0/16"), RefusalReason.LINK_LOCAL),
            new Rule(IpPrefix.parse("fe80::/10"), RefusalReason.LINK_LOCAL),
            new Rule(IpPrefix.parse("0.0.0.0/8"), RefusalReason.UNSPECIFIED),
            new Rule(IpPrefix.parse("::/128"), RefusalReason.UNSPECIFIED),
            new Rule(IpPrefix.parse("224.0.0.0/4"), RefusalReason.MULTICAST),
            new Rule(IpPrefix.parse("ff00::/8"), RefusalReason.MULTICAST),
            new Rule(IpPrefix.parse("240.0.0.0/4"), RefusalReason.RESERVED));

    private final List<Rule> rules;
    private final List<IpPrefix> staticRoutes;

    /**
     * @param clusterRanges pod, service and node CIDRs (and the tunnel subnet) the connector must not reach
     * @param appRanges     the synthetic ranges
     * @param staticRoutes  the AppConnector's static route CIDRs: explicitly allowed even if otherwise refused
     */
    public RealAddressPolicy(List<IpPrefix> clusterRanges, List<IpPrefix> appRanges, List<IpPrefix> staticRoutes) {
        List<Rule> all = new ArrayList<>(BUILT_IN);
        appRanges.forEach(p -> all.add(new Rule(p, RefusalReason.APP_RANGE)));
        clusterRanges.forEach(p -> all.add(new Rule(p, RefusalReason.CLUSTER_RANGE)));
        this.rules = List.copyOf(all);
        this.staticRoutes = List.copyOf(staticRoutes);
    }

    /** Empty when {@code address} may be mapped, else the reason it may not. */
    public Optional<RefusalReason> check(InetAddress address) {
        for (IpPrefix route : staticRoutes) {
            if (route.contains(address)) {
                return Optional.empty();
            }
        }
        for (Rule rule : rules) {
            if (rule.prefix().contains(address)) {
                return Optional.of(rule.reason());
            }
        }
        if (address instanceof Inet6Address && (IPV4_MAPPED.contains(address) || NAT64.contains(address))) {
            return check(embeddedIpv4(address));
        }
        return Optional.empty();
    }

    private static InetAddress embeddedIpv4(InetAddress v6) {
        byte[] raw = v6.getAddress();
        try {
            return InetAddress.getByAddress(new byte[] {raw[12], raw[13], raw[14], raw[15]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 octets always make an address", e);
        }
    }
}
