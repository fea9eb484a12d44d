package dev.pinhole.connector;

import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.resolver.NameAccess;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.IpSet;

/**
 * What one client may reach under the access rules: the union of the domain patterns and routes of every rule that
 * grants it, precomputed when a config is applied so a new flow costs one pattern lookup or one set lookup. Clients
 * granted by the same rules share one instance. Immutable.
 */
final class ClientAccess implements NameAccess {
    /** Without access rules: every served name and every route. */
    static final ClientAccess EVERYTHING = new ClientAccess(null, null);
    /** A client no rule grants anything. */
    static final ClientAccess NOTHING = new ClientAccess(DomainMatcher.none(), IpSet.empty());

    /** Granted name patterns; null: every name the connector serves. */
    private final DomainMatcher names;
    /** Granted routes; null: every route the connector forwards. */
    private final IpSet routes;

    ClientAccess(DomainMatcher names, IpSet routes) {
        this.names = names;
        this.routes = routes;
    }

    /** True when some rule grants this client {@code name} (a name the connector serves). */
    @Override
    public boolean mayReach(DnsName name) {
        return names == null || names.matches(name);
    }

    /** True when some rule grants this client a route holding {@code destination}. */
    boolean mayReachRoute(IpAddress destination) {
        return routes == null || routes.contains(destination);
    }
}
