package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.connector.config.ConnectorConfig;
import java.util.List;

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
        AppConnectorSpec spec = connector.getSpec();
        AppConnectorSpec.WireGuardInterface t = wireGuardInterface(spec);
        AppConnectorSpec.Egress egress = spec.getEgress();
        AppConnectorSpec.Verify verify = egress.getVerify();
        return new ConnectorConfig(
                ConnectorConfig.FORMAT,
                connector.getMetadata().getName(),
                connector.getMetadata().getNamespace(),
                new ConnectorConfig.WireGuardInterface(t.getAddress(), t.getListenPort(), t.getMtu(), t.getAppRange()),
                spec.getClients() == null ? List.of() : spec.getClients().stream()
                        .map(c -> new ConnectorConfig.Client(c.getName(), c.getPublicKey(), c.getAddress()))
                        .toList(),
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
                limits(spec.getLimits()));
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
