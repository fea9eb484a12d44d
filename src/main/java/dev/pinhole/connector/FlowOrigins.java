package dev.pinhole.connector;

import dev.pinhole.connector.records.FlowOrigin;
import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import java.util.List;

/**
 * What admitted a new flow, for its records: the app (domain pattern and the name its synthetic address maps) or
 * the most specific static route holding the destination. Part of the state a config puts in force; asked once per
 * new flow, only while flow records are on.
 */
final class FlowOrigins {
    private final Cidr appRange;
    private final List<Cidr> routes;
    private final DomainMatcher domains;
    private final SyntheticAddressPool pool;

    FlowOrigins(Cidr appRange, List<Cidr> routes, DomainMatcher domains, SyntheticAddressPool pool) {
        this.appRange = appRange;
        this.routes = List.copyOf(routes);
        this.domains = domains;
        this.pool = pool;
    }

    /** The origin of a flow the policy forwarded to {@code destination}, or null when none is known. */
    FlowOrigin of(IpAddress destination) {
        if (appRange.contains(destination)) {
            return pool.lookup(Policy.toInet(destination))
                    .map(m -> FlowOrigin.app(patternOf(m.name()), presentation(m.name()))).orElse(null);
        }
        Cidr best = null;
        for (Cidr r : routes) {
            if (r.contains(destination) && (best == null || r.prefixLength() > best.prefixLength())) {
                best = r;
            }
        }
        return best == null ? null : FlowOrigin.route(best.toString());
    }

    /** The config's pattern that matches {@code name}, as written in the config, or null. */
    String patternOf(DnsName name) {
        return domains.match(name).map(Object::toString).orElse(null);
    }

    /** A name as records spell it: lower-case, without the final dot (so a search finds every spelling). */
    static String presentation(DnsName name) {
        return name.key();
    }
}
