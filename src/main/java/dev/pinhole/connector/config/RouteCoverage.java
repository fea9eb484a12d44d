package dev.pinhole.connector.config;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.EmbeddedIpv4;
import dev.pinhole.ipset.IpFamily;
import dev.pinhole.ipset.IpSet;
import java.math.BigInteger;
import java.util.List;
import java.util.Optional;

/**
 * The open-proxy rule: static routes (with IPSets) may cover at most an eighth of a family's public space, IPv4
 * ({@code 0.0.0.0/0}, counting the IPv4 an IPv6 route reaches through a mapped, NAT64, 6to4 or Teredo spelling)
 * or IPv6 global unicast ({@code 2000::/3}), summed after merging. Above that the connector is
 * an open proxy for whoever holds a client key, whatever the apps are: the largest published cloud range lists stay
 * well below it (a few percent of IPv4), and one who wants everything through the elastic IP wants a VPN, not an
 * app connector. It is a refusal, not a warning: a warning condition on a connector that works is read by nobody,
 * and the promise "a client reaches the apps its rules name, and nothing else" is what the product sells.
 */
final class RouteCoverage {
    /** An eighth: the bound, as a shift of the space's size. */
    static final int BOUND_SHIFT = 3;

    private static final Cidr IPV6_GLOBAL_UNICAST = Cidr.parse("2000::/3");

    private RouteCoverage() {}

    /** Why {@code routes} make an open proxy, or empty when they stay under the bound in both families. */
    static Optional<String> openProxy(List<Cidr> routes) {
        IpSet covered = IpSet.builder().addAll(routes.stream().map(Cidr::toString).toList()).build();
        // IPv4 reached through an IPv6 spelling (::ffff:0:0/96, 64:ff9b::/96...) is dialled as IPv4: it counts.
        var reached = IpSet.builder();
        routes.forEach(reached::add);
        routes.stream().flatMap(r -> EmbeddedIpv4.reachedBy(r).stream()).forEach(r -> reached.add(r.ipv4()));
        BigInteger v4 = reached.build().ipv4().size();
        BigInteger v4Space = BigInteger.ONE.shiftLeft(32);
        if (v4.compareTo(v4Space.shiftRight(BOUND_SHIFT)) > 0) {
            return Optional.of(message(v4, v4Space, "IPv4", "0.0.0.0/0"));
        }
        IpSet global = IpSet.builder().add(IPV6_GLOBAL_UNICAST).build();
        BigInteger v6 = covered.intersection(global).part(IpFamily.IPV6).size();
        BigInteger v6Space = IPV6_GLOBAL_UNICAST.size();
        if (v6.compareTo(v6Space.shiftRight(BOUND_SHIFT)) > 0) {
            return Optional.of(message(v6, v6Space, "IPv6 global unicast", "2000::/3"));
        }
        return Optional.empty();
    }

    private static String message(BigInteger covered, BigInteger space, String family, String spaceCidr) {
        double percent = covered.doubleValue() * 100 / space.doubleValue();
        return String.format(java.util.Locale.ROOT, "cover %.1f%% of %s (%s), more than 1/%d: the connector would"
                + " be an open proxy; list the apps' own ranges", percent, family, spaceCidr, 1 << BOUND_SHIFT);
    }
}
