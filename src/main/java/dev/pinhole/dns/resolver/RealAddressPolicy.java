package dev.pinhole.dns.resolver;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.IpFamily;
import java.net.InetAddress;
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
    private record Rule(Cidr prefix, RefusalReason reason) {
    }

    private static final Cidr IPV4_MAPPED = Cidr.parse("::ffff:0:0/96");
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");

    /** Most specific first: the metadata addresses sit inside link-local ranges. */
    private static final List<Rule> BUILT_IN = List.of(
            new Rule(Cidr.parse("169.254.169.254/32"), RefusalReason.CLOUD_METADATA),
            new Rule(Cidr.parse("fd00:ec2::254/128"), RefusalReason.CLOUD_METADATA),
            new Rule(Cidr.parse("100.100.100.200/32"), RefusalReason.CLOUD_METADATA), // Alibaba Cloud
            new Rule(Cidr.parse("127.0.0.0/8"), RefusalReason.LOOPBACK),
            new Rule(Cidr.parse("::1/128"), RefusalReason.LOOPBACK),
            new Rule(Cidr.parse("169.254.0.0/16"), RefusalReason.LINK_LOCAL),
            new Rule(Cidr.parse("fe80::/10"), RefusalReason.LINK_LOCAL),
            new Rule(Cidr.parse("0.0.0.0/8"), RefusalReason.UNSPECIFIED),
            new Rule(Cidr.parse("::/128"), RefusalReason.UNSPECIFIED),
            new Rule(Cidr.parse("224.0.0.0/4"), RefusalReason.MULTICAST),
            new Rule(Cidr.parse("ff00::/8"), RefusalReason.MULTICAST),
            new Rule(Cidr.parse("240.0.0.0/4"), RefusalReason.RESERVED));

    private final List<Rule> rules;
    private final List<Cidr> staticRoutes;

    /**
     * @param clusterRanges pod, service and node CIDRs (and the tunnel subnet) the connector must not reach
     * @param appRanges     the synthetic ranges
     * @param staticRoutes  the AppConnector's static route CIDRs: explicitly allowed even if otherwise refused
     */
    public RealAddressPolicy(List<Cidr> clusterRanges, List<Cidr> appRanges, List<Cidr> staticRoutes) {
        List<Rule> all = new ArrayList<>(BUILT_IN);
        appRanges.forEach(p -> all.add(new Rule(p, RefusalReason.APP_RANGE)));
        clusterRanges.forEach(p -> all.add(new Rule(p, RefusalReason.CLUSTER_RANGE)));
        this.rules = List.copyOf(all);
        this.staticRoutes = List.copyOf(staticRoutes);
    }

    /** Empty when {@code address} may be mapped, else the reason it may not. */
    public Optional<RefusalReason> check(InetAddress address) {
        return check(IpAddress.of(address));
    }

    private Optional<RefusalReason> check(IpAddress address) {
        for (Cidr route : staticRoutes) {
            if (route.contains(address)) {
                return Optional.empty();
            }
        }
        for (Rule rule : rules) {
            if (rule.prefix().contains(address)) {
                return Optional.of(rule.reason());
            }
        }
        if (address.family() == IpFamily.IPV6 && (IPV4_MAPPED.contains(address) || NAT64.contains(address))) {
            return check(embeddedIpv4(address));
        }
        return Optional.empty();
    }

    private static IpAddress embeddedIpv4(IpAddress v6) {
        return IpAddress.ofIpv4((int) v6.lo());
    }
}
