package dev.pinhole.connector;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.dns.synthetic.SyntheticMapping;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.IpSet;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Where a client's packet may go. Forwarded only when its source is the sending client's own tunnel address and
 * its destination is a mapped synthetic address (then to the mapping's real addresses) or inside a static route.
 * Loopback, link-local (cloud metadata), unspecified, multicast, reserved and cluster ranges are never reached
 * unless a static route names them: a route at least as specific as the forbidden block and inside it
 * ({@code 127.0.0.1/32} names loopback, {@code 0.0.0.0/0} does not). Immutable; rebuilt on every config change.
 */
public final class Policy {
    /** What to do with a new flow's destination. */
    public sealed interface Decision {
        /** Forward to these real addresses (tried in order). */
        record Forward(List<InetAddress> targets) implements Decision {}

        /** Refuse (TCP RST, ICMP administratively prohibited) and count {@code reason}. */
        record Refuse(PolicyDropReason reason) implements Decision {}
    }

    /** Blocks no client may reach unless a static route names them (besides the configured cluster ranges). */
    static final List<Cidr> ALWAYS_FORBIDDEN = cidrs("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16",
            "100.100.100.200/32", "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fe80::/10", "ff00::/8",
            "fd00:ec2::254/128");

    /** Default cluster-internal ranges (private networks, shared address space, ULA); see PINHOLE_CLUSTER_CIDRS. */
    public static final List<Cidr> DEFAULT_CLUSTER_RANGES = cidrs("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
            "100.64.0.0/10", "fc00::/7");

    private final Cidr appRange;
    private final IpSet routes;
    private final List<Cidr> routeList;
    private final List<Cidr> forbidden;
    private final SyntheticAddressPool pool;
    /** The names the config serves: a mapping whose name it no longer serves forwards nothing. */
    private final Predicate<DnsName> served;

    public Policy(Cidr appRange, List<Cidr> routes, List<Cidr> clusterRanges, SyntheticAddressPool pool) {
        this(appRange, routes, clusterRanges, pool, name -> true);
    }

    /** As above; a synthetic address forwards only while {@code served} still accepts its mapping's name. */
    public Policy(Cidr appRange, List<Cidr> routes, List<Cidr> clusterRanges, SyntheticAddressPool pool,
                  Predicate<DnsName> served) {
        this.served = served;
        this.appRange = appRange;
        this.routeList = List.copyOf(routes);
        var builder = IpSet.builder();
        routes.forEach(builder::add);
        this.routes = builder.build();
        List<Cidr> f = new ArrayList<>(ALWAYS_FORBIDDEN);
        f.addAll(clusterRanges);
        this.forbidden = List.copyOf(f);
        this.pool = pool;
    }

    /** The policy of a validated config. */
    public static Policy of(ConnectorConfig config, List<Cidr> clusterRanges, SyntheticAddressPool pool) {
        List<Cidr> routes = config.routes() == null ? List.of()
                : config.routes().stream().map(Cidr::parse).toList();
        return new Policy(Cidr.parse(config.tunnel().appRange()), routes, clusterRanges, pool);
    }

    public List<Cidr> routes() {
        return routeList;
    }

    /** Decides for a new flow to {@code destination} (the address the client dialled); a forward keeps its mapping. */
    public Decision decide(IpAddress destination) {
        Decision d = judge(destination);
        if (d instanceof Decision.Forward && appRange.contains(destination)) {
            pool.touch(toInet(destination));
        }
        return d;
    }

    /** True when a flow to {@code destination} may exist under this policy; touches nothing (revocation check). */
    public boolean permits(IpAddress destination) {
        return judge(destination) instanceof Decision.Forward;
    }

    private Decision judge(IpAddress destination) {
        if (appRange.contains(destination)) {
            InetAddress synthetic = toInet(destination);
            var mapping = pool.lookup(synthetic);
            if (mapping.isEmpty() || !served.test(mapping.get().name())) {
                return new Decision.Refuse(PolicyDropReason.NOT_MAPPED);
            }
            List<InetAddress> targets = allowedReal(mapping.get());
            return targets.isEmpty() ? new Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION)
                    : new Decision.Forward(targets);
        }
        if (routes.contains(destination)) {
            return reachable(destination) ? new Decision.Forward(List.of(toInet(destination)))
                    : new Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION);
        }
        return new Decision.Refuse(PolicyDropReason.NO_ROUTE);
    }

    /** The mapping's real addresses this policy lets the connector reach (the resolver checked them too). */
    private List<InetAddress> allowedReal(SyntheticMapping mapping) {
        List<InetAddress> out = new ArrayList<>();
        for (InetAddress a : mapping.realAddresses()) {
            if (reachable(IpAddress.ofBytes(a.getAddress()))) {
                out.add(a);
            }
        }
        return out;
    }

    /** False for a forbidden block unless a static route names it. */
    boolean reachable(IpAddress address) {
        for (Cidr block : forbidden) {
            if (block.contains(address) && !namedByRoute(block, address)) {
                return false;
            }
        }
        return true;
    }

    private boolean namedByRoute(Cidr block, IpAddress address) {
        for (Cidr route : routeList) {
            if (route.contains(address) && route.prefixLength() >= block.prefixLength()
                    && block.contains(route.first())) {
                return true;
            }
        }
        return false;
    }

    static InetAddress toInet(IpAddress address) {
        try {
            return InetAddress.getByAddress(address.toBytes());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes always make an address", e);
        }
    }

    static List<Cidr> cidrs(String... values) {
        List<Cidr> out = new ArrayList<>();
        for (String v : values) {
            out.add(Cidr.parse(v));
        }
        return List.copyOf(out);
    }

    /** Parses a comma-separated CIDR list such as the PINHOLE_CLUSTER_CIDRS variable; blank means none. */
    public static List<Cidr> parseCidrList(String text) {
        List<Cidr> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(Cidr.parse(part.strip()));
            }
        }
        return List.copyOf(out);
    }
}
