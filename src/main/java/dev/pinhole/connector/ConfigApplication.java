package dev.pinhole.connector;

import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.connector.config.ForbiddenDestinations;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.dns.match.DomainPattern;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.resolver.AppResolver;
import dev.pinhole.dns.resolver.AppResolverConfig;
import dev.pinhole.dns.resolver.DnsMetrics;
import dev.pinhole.dns.resolver.DnsQueryHandler;
import dev.pinhole.dns.resolver.RealAddressPolicy;
import dev.pinhole.dns.resolver.UpstreamExchange;
import dev.pinhole.dns.synthetic.ReservedAddresses;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.dns.synthetic.SyntheticMapping;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.nat.FlowKey;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.PublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Config to runtime as one function: from the state in force and a checked config, the state to put in force and
 * an explicit list of what the change takes away. Everything that could fail is built here, before anything
 * changes; {@link DataPlane} then commits the plan whole. Reads the pool and the live flows, changes nothing.
 *
 * <p>What is revoked: clients removed or changed (every flow of theirs, their DNS sessions, a removed one's peer),
 * mappings whose name no domain matches any more or whose name has another address under the new config (its
 * exact names reserve addresses: {@link ReservedAddresses}), and every other live flow whose destination the
 * new policy would refuse as a new flow (a removed route, a removed or moved name, a forbidden block no route
 * names any more, a name or route the access rules no longer grant its client: a group change or a removed rule
 * keeps the client and ends only those flows).
 */
final class ConfigApplication {
    private ConfigApplication() {}

    /** A flow of the table as the plan sees it: its key, its client's name and the real address it dialled (or null). */
    record LiveFlow(FlowKey key, String client, IpAddress realAddress) {}

    /** What a config change takes away; each list is acted on at once when the plan is committed. */
    record Revocations(List<RuntimeState.Client> clients, List<DnsName> names, List<LiveFlow> flows) {
        Revocations {
            clients = List.copyOf(clients);
            names = List.copyOf(names);
            flows = List.copyOf(flows);
        }

        boolean isEmpty() {
            return clients.isEmpty() && names.isEmpty() && flows.isEmpty();
        }
    }

    /**
     * The outcome: the state to put in force, the peers the tunnel must hold (every client, upserted) and drop
     * (every peer it holds that is not a client now), the revocations, and the addresses the config's exact
     * names reserve in the pool.
     */
    record Plan(RuntimeState next, List<PeerConfig> peers, List<PublicKey> peersToRemove, Revocations revoked,
                ReservedAddresses reserved) {}

    /** What the plan reads besides the config: fixed for the data plane's life, or owned by it. */
    record Context(List<Cidr> clusterRanges, SyntheticAddressPool pool, DnsMetrics dnsMetrics,
                   List<IpAddress> ownAddresses) {
        /** A context with no own addresses (tests that do not look at them). */
        Context(List<Cidr> clusterRanges, SyntheticAddressPool pool, DnsMetrics dnsMetrics) {
            this(clusterRanges, pool, dnsMetrics, List.of());
        }
    }

    /**
     * Plans {@code config} (already passed {@code ConfigCheck}) over {@code inForce} (null at start).
     *
     * @param tunnelPeers the peers the tunnel holds now: removals are computed from them, not from a past config
     * @param flows       the live flows of the table
     * @param upstream    the DNS upstream the new state uses
     * @throws RuntimeException when the config cannot be built after all (nothing has changed then)
     */
    static Plan plan(RuntimeState inForce, ConnectorConfig config, Collection<PublicKey> tunnelPeers,
                     Collection<LiveFlow> flows, UpstreamExchange upstream, List<String> upstreamServers,
                     Context context) {
        Map<PublicKey, RuntimeState.Client> clients = clientsOf(config);
        Cidr appRange = context.pool().ipv4Range(); // the pool's range: a new appRange needs a restart
        List<Cidr> routes = config.routes() == null ? List.of() : config.routes().stream().map(Cidr::parse).toList();
        DomainMatcher domains = DomainMatcher.parse(config.domains() == null ? List.of() : config.domains());
        // One forbidden set for the policy and the DNS answer check (built in, own, nodes, app range, cluster).
        ForbiddenAddresses forbidden = ForbiddenDestinations.of(config, appRange, context.clusterRanges(),
                context.ownAddresses());
        // Names listed exactly get collision-free addresses from the sorted list; a mapping serves only while its
        // name is matched and sits at the address the new config gives it.
        SyntheticAddressPool pool = context.pool();
        ReservedAddresses reserved = pool.reservationsFor(domains.patterns().stream()
                .filter(p -> p.kind() == DomainPattern.Kind.EXACT).map(p -> DnsName.of(p.suffix())).toList());
        Predicate<SyntheticMapping> served = m -> domains.matches(m.name())
                && pool.addressOf(m.name(), reserved).equals(m.ipv4());
        Policy policy = new Policy(appRange, routes, forbidden, pool, served, AccessGrants.of(config));
        RealAddressPolicy realAddresses = new RealAddressPolicy(policy.forbidden());
        AppResolver resolver = new AppResolver(new AppResolverConfig(domains, realAddresses), context.pool(),
                context.dnsMetrics());
        RuntimeState next = new RuntimeState(config, clients, policy, new DnsQueryHandler(resolver, upstream),
                upstreamServers, new FlowOrigins(appRange, routes, domains, pool), config.effectiveRecords());

        List<RuntimeState.Client> goneClients = new ArrayList<>();
        if (inForce != null) {
            for (RuntimeState.Client before : inForce.clients().values()) {
                if (!before.equals(clients.get(before.key()))) {
                    goneClients.add(before);
                }
            }
        }
        Set<String> goneNames = new HashSet<>();
        goneClients.forEach(c -> goneNames.add(c.name()));
        List<LiveFlow> goneFlows = new ArrayList<>();
        for (LiveFlow f : flows) {
            // A name with several real addresses stays permitted through the others: judge the one dialled too.
            if (goneNames.contains(f.client()) || !policy.permits(f.client(), f.key().app())
                    || (f.realAddress() != null && !policy.reachable(f.realAddress()))) {
                goneFlows.add(f);
            }
        }
        List<DnsName> goneMappings = new ArrayList<>();
        for (SyntheticMapping m : context.pool().mappings()) {
            if (!served.test(m)) {
                goneMappings.add(m.name());
            }
        }
        List<PeerConfig> peers = new ArrayList<>();
        for (RuntimeState.Client c : clients.values()) {
            byte[] addr = c.address().toBytes();
            peers.add(PeerConfig.of(c.key(), List.of(new Cidr(IpAddress.ofBytes(addr), addr.length * 8))));
        }
        List<PublicKey> peersToRemove = tunnelPeers.stream().filter(k -> !clients.containsKey(k)).toList();
        return new Plan(next, peers, peersToRemove, new Revocations(goneClients, goneMappings, goneFlows),
                reserved);
    }

    private static Map<PublicKey, RuntimeState.Client> clientsOf(ConnectorConfig config) {
        Map<PublicKey, RuntimeState.Client> clients = new LinkedHashMap<>();
        for (ConnectorConfig.Client c : config.clients() == null ? List.<ConnectorConfig.Client>of()
                : config.clients()) {
            PublicKey key = PublicKey.fromBase64(c.publicKey());
            clients.put(key, new RuntimeState.Client(c.name(), key, IpAddress.parse(c.address().split("/")[0])));
        }
        return java.util.Collections.unmodifiableMap(clients);
    }
}
