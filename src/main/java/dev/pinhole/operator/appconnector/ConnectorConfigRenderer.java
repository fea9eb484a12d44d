package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.connector.config.ConnectorConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Renders an AppConnector (with its IPSet routes already resolved) into the connector's config file. */
public final class ConnectorConfigRenderer {
    private ConnectorConfigRenderer() {}

    public static ConnectorConfig render(AppConnector connector, List<String> resolvedRoutes) {
        return render(connector, resolvedRoutes, List.of());
    }

    /**
     * As {@link #render(AppConnector, List)}, with the addresses of the NAT-gateway nodes the connector may run on:
     * rendered as {@code network.nodeAddresses} (sorted, so an unchanged pool renders the same file), which the
     * connector never reaches. None: no {@code network} section.
     */
    public static ConnectorConfig render(AppConnector connector, List<String> resolvedRoutes,
                                         List<String> nodeAddresses) {
        return render(connector, resolvedRoutes, nodeAddresses, Map.of());
    }

    /**
     * As {@link #render(AppConnector, List, List)}, with the CIDRs of each IPSet spec.routes names, so that an
     * access rule naming an IPSet grants its CIDRs (an IPSet missing from {@code ipSetCidrs} grants nothing).
     */
    public static ConnectorConfig render(AppConnector connector, List<String> resolvedRoutes,
                                         List<String> nodeAddresses, Map<String, List<String>> ipSetCidrs) {
        return render(connector, resolvedRoutes, nodeAddresses, ipSetCidrs, List.of());
    }

    /**
     * As {@link #render(AppConnector, List, List, Map)}, with the Client objects the connector admitted
     * ({@link ClientAdmission}) after its inline clients, under the names, addresses and groups admission gave them.
     */
    public static ConnectorConfig render(AppConnector connector, List<String> resolvedRoutes,
                                         List<String> nodeAddresses, Map<String, List<String>> ipSetCidrs,
                                         List<ClientDecision.Admitted> admitted) {
        AppConnectorSpec spec = connector.getSpec();
        AppConnectorSpec.WireGuardInterface t = wireGuardInterface(spec);
        AppConnectorSpec.Egress egress = spec.getEgress();
        AppConnectorSpec.Verify verify = egress.getVerify();
        return new ConnectorConfig(
                ConnectorConfig.FORMAT,
                connector.getMetadata().getName(),
                connector.getMetadata().getNamespace(),
                new ConnectorConfig.WireGuardInterface(t.getAddress(), t.getListenPort(), t.getMtu(), t.getAppRange()),
                clients(spec.getClients(), admitted),
                spec.getDomains() == null ? List.of() : List.copyOf(spec.getDomains()),
                List.copyOf(resolvedRoutes),
                new ConnectorConfig.Egress(egress.getElasticIP(),
                        verify == null ? null : verify.getUrl(),
                        verify != null && !Boolean.FALSE.equals(verify.getEnforce())),
                new ConnectorConfig.Dns(spec.getDns() == null || spec.getDns().getUpstream() == null
                        ? List.of() : List.copyOf(spec.getDns().getUpstream())),
                new ConnectorConfig.Http(ConnectorNames.HTTP_PORT),
                nodeAddresses.isEmpty() ? null
                        : new ConnectorConfig.Network(nodeAddresses.stream().distinct().sorted().toList(), null),
                limits(spec.getLimits()), access(spec.getAccess(), ipSetCidrs), records(spec.getRecords()));
    }

    /** Inline clients, then admitted Client objects (oldest first): one peer each. */
    private static List<ConnectorConfig.Client> clients(List<AppConnectorSpec.Client> inline,
                                                        List<ClientDecision.Admitted> admitted) {
        List<ConnectorConfig.Client> out = new ArrayList<>();
        if (inline != null) {
            inline.forEach(c -> out.add(new ConnectorConfig.Client(c.getName(), c.getPublicKey(), c.getAddress(),
                    c.getGroups() == null || c.getGroups().isEmpty() ? null : List.copyOf(c.getGroups()))));
        }
        admitted.forEach(a -> out.add(new ConnectorConfig.Client(a.clientName(), a.candidate().publicKey(),
                a.address(), a.groups().isEmpty() ? null : a.groups())));
        return List.copyOf(out);
    }

    /** The spec's records as given (null when none): the connector fills in its defaults. */
    static ConnectorConfig.Records records(AppConnectorSpec.Records r) {
        if (r == null) {
            return null;
        }
        return new ConnectorConfig.Records(r.getFlows(), r.getRefusals(), r.getLookups(), r.getClientEndpoints(),
                r.getRefusalsPerSecond(), r.getActiveTimeoutSeconds());
    }

    /** The spec's rules with their routes resolved (CIDRs and the named IPSets' CIDRs, as one sorted cover). */
    static List<ConnectorConfig.AccessRule> access(List<AppConnectorSpec.AccessRule> rules,
                                                   Map<String, List<String>> ipSetCidrs) {
        if (rules == null || rules.isEmpty()) {
            return null;
        }
        List<ConnectorConfig.AccessRule> out = new ArrayList<>();
        for (AppConnectorSpec.AccessRule r : rules) {
            List<String> routes = new ArrayList<>();
            if (r.getRoutes() != null && r.getRoutes().getCidrs() != null) {
                routes.addAll(r.getRoutes().getCidrs());
            }
            if (r.getRoutes() != null && r.getRoutes().getIpSets() != null) {
                r.getRoutes().getIpSets().forEach(s -> routes.addAll(ipSetCidrs.getOrDefault(s.getName(),
                        List.of())));
            }
            out.add(new ConnectorConfig.AccessRule(r.getName(), copyOrNull(r.getGroups()),
                    copyOrNull(r.getClients()), copyOrNull(r.getDomains()),
                    routes.isEmpty() ? null : RouteList.canonical(routes)));
        }
        return out;
    }

    private static List<String> copyOrNull(List<String> values) {
        return values == null || values.isEmpty() ? null : List.copyOf(values);
    }

    /** The spec's limits as given (null when none): the connector fills in its defaults. */
    static ConnectorConfig.Limits limits(AppConnectorSpec.Limits l) {
        if (l == null) {
            return null;
        }
        return new ConnectorConfig.Limits(limit(l.getFlows()), limit(l.getBufferBytes()),
                limit(l.getSyntheticNames()), limit(l.getDnsQueries()), limit(l.getDnsTcpSessions()));
    }

    private static ConnectorConfig.Limit limit(AppConnectorSpec.Limit l) {
        return l == null ? null : new ConnectorConfig.Limit(l.getPerClient(), l.getTotal());
    }

    /** {@code spec.tunnel} with CRD defaults applied, for objects created before defaulting or by tests. */
    static AppConnectorSpec.WireGuardInterface wireGuardInterface(AppConnectorSpec spec) {
        AppConnectorSpec.WireGuardInterface given =
                spec.getTunnel() == null ? new AppConnectorSpec.WireGuardInterface() : spec.getTunnel();
        AppConnectorSpec.WireGuardInterface defaults = new AppConnectorSpec.WireGuardInterface();
        AppConnectorSpec.WireGuardInterface t = new AppConnectorSpec.WireGuardInterface();
        t.setAddress(given.getAddress() != null ? given.getAddress() : defaults.getAddress());
        t.setListenPort(given.getListenPort() != null ? given.getListenPort() : defaults.getListenPort());
        t.setMtu(given.getMtu() != null ? given.getMtu() : defaults.getMtu());
        t.setAppRange(given.getAppRange() != null ? given.getAppRange() : defaults.getAppRange());
        return t;
    }
}
