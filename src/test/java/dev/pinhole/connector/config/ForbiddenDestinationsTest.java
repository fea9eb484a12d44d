package dev.pinhole.connector.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.BlockKind;
import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.testing.Adversarial;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The node's own network on a public-IP node: the node addresses the operator rendered and the pod's own
 * addresses are forbidden without PINHOLE_CLUSTER_CIDRS; a route may name a node address, never the pod's own.
 */
@Adversarial
class ForbiddenDestinationsTest {
    static final IpAddress OWN = IpAddress.parse("198.51.100.20");

    static ConnectorConfig config(List<String> routes) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "saas", "apps",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(), List.of(), routes, new ConnectorConfig.Egress("203.0.113.10", null, false), null,
                new ConnectorConfig.Http(9090),
                new ConnectorConfig.Network(List.of("198.51.100.10", "2001:db8::10"), List.of("203.0.113.128/25")));
    }

    static ForbiddenAddresses model(String... routes) {
        return ForbiddenDestinations.of(config(List.of(routes)), ForbiddenAddresses.DEFAULT_CLUSTER_RANGES,
                List.of(OWN));
    }

    @Test
    void renderedNodeAddressesAndPodRangesAreForbiddenInEverySpelling() {
        ForbiddenAddresses m = model();
        assertThat(m.blocking(IpAddress.parse("198.51.100.10")).orElseThrow().kind()).isEqualTo(BlockKind.NODE_ADDRESS);
        assertThat(m.blocking(IpAddress.parse("::ffff:198.51.100.10")).orElseThrow().kind())
                .isEqualTo(BlockKind.NODE_ADDRESS);
        assertThat(m.blocking(IpAddress.parse("2001:db8::10")).orElseThrow().kind()).isEqualTo(BlockKind.NODE_ADDRESS);
        assertThat(m.blocking(IpAddress.parse("203.0.113.200")).orElseThrow().kind())
                .isEqualTo(BlockKind.CLUSTER_RANGE);
        assertThat(m.reachable(IpAddress.parse("198.51.100.11"))).isTrue();
    }

    @Test
    void thePodsOwnAddressIsNeverReachedEvenWhenARouteNamesIt() {
        assertThat(model("198.51.100.20/32").blocking(OWN).orElseThrow().kind()).isEqualTo(BlockKind.OWN_ADDRESS);
    }

    @Test
    void aRouteMayNameANodeAddressOnPurpose() {
        assertThat(model("198.51.100.10/32").reachable(IpAddress.parse("198.51.100.10"))).isTrue();
        assertThat(model("198.51.100.0/24").reachable(IpAddress.parse("198.51.100.10"))).isFalse();
    }

    @Test
    void aMalformedNodeAddressIsReportedNamingTheField() {
        ConnectorConfig c = config(List.of());
        ConnectorConfig bad = new ConnectorConfig(c.format(), c.name(), c.namespace(), c.tunnel(), c.clients(),
                c.domains(), c.routes(), c.egress(), c.dns(), c.http(),
                new ConnectorConfig.Network(List.of("198.51.100.300"), List.of()));

        assertThat(ConfigCheck.check(bad)).singleElement()
                .satisfies(p -> assertThat(p.field()).isEqualTo("network.nodeAddresses[0]"));
    }
}
