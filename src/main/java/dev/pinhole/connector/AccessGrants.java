package dev.pinhole.connector;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.dns.match.DomainPattern;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpSet;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The access rules of a config resolved per client (docs/access.md): each client's {@link ClientAccess}, the union
 * of what the rules naming it or one of its groups grant. Built once per config application; a lookup is one hash
 * probe. Without rules every client reaches everything; with rules, a name that is not a client reaches nothing.
 */
final class AccessGrants {
    /** No rules: every client reaches every served name and route. */
    static final AccessGrants OPEN = new AccessGrants(Map.of(), ClientAccess.EVERYTHING);

    private final Map<String, ClientAccess> byClient;
    private final ClientAccess otherwise;

    private AccessGrants(Map<String, ClientAccess> byClient, ClientAccess otherwise) {
        this.byClient = byClient;
        this.otherwise = otherwise;
    }

    /** The grants of a config that passed ConfigCheck. */
    static AccessGrants of(ConnectorConfig config) {
        if (!config.restrictsAccess()) {
            return OPEN;
        }
        List<ConnectorConfig.AccessRule> rules = config.access();
        Map<String, BitSet> rulesOfGroup = new HashMap<>();
        Map<String, BitSet> rulesOfClient = new HashMap<>();
        for (int r = 0; r < rules.size(); r++) {
            for (String g : rules.get(r).groupList()) {
                rulesOfGroup.computeIfAbsent(g, k -> new BitSet()).set(r);
            }
            for (String c : rules.get(r).clientList()) {
                rulesOfClient.computeIfAbsent(c, k -> new BitSet()).set(r);
            }
        }
        Map<BitSet, ClientAccess> shared = new HashMap<>(); // clients granted by the same rules share one
        Map<String, ClientAccess> byClient = new HashMap<>();
        for (ConnectorConfig.Client client : config.clients() == null ? List.<ConnectorConfig.Client>of()
                : config.clients()) {
            BitSet granting = (BitSet) rulesOfClient.getOrDefault(client.name(), new BitSet()).clone();
            for (String g : client.groupList()) {
                BitSet ofGroup = rulesOfGroup.get(g);
                if (ofGroup != null) {
                    granting.or(ofGroup);
                }
            }
            byClient.put(client.name(), shared.computeIfAbsent(granting, b -> accessOf(rules, b)));
        }
        return new AccessGrants(Map.copyOf(byClient), ClientAccess.NOTHING);
    }

    private static ClientAccess accessOf(List<ConnectorConfig.AccessRule> rules, BitSet granting) {
        if (granting.isEmpty()) {
            return ClientAccess.NOTHING;
        }
        Set<DomainPattern> patterns = new LinkedHashSet<>();
        var routes = IpSet.builder();
        for (int r = granting.nextSetBit(0); r >= 0; r = granting.nextSetBit(r + 1)) {
            rules.get(r).domainList().forEach(d -> patterns.add(DomainPattern.parse(d)));
            rules.get(r).routeList().forEach(c -> routes.add(Cidr.parse(c)));
        }
        return new ClientAccess(DomainMatcher.of(patterns), routes.build());
    }

    /** What {@code client} may reach. */
    ClientAccess of(String client) {
        return byClient.getOrDefault(client, otherwise);
    }
}
