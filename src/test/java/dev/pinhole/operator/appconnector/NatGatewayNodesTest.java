package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.api.AppConnectorStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class NatGatewayNodesTest {
    private static final Map<String, String> NAT = Map.of("pinhole.dev/egress", "nat-gateway");

    private static AppConnector connector(String name, Map<String, String> selector, String... endpoints) {
        AppConnector c = TestConnectors.valid();
        c.getMetadata().setName(name);
        AppConnectorSpec.NatGateway natGateway = new AppConnectorSpec.NatGateway();
        natGateway.setNodeSelector(new LinkedHashMap<>(selector));
        c.getSpec().getEgress().setNatGateway(natGateway);
        AppConnectorStatus status = new AppConnectorStatus();
        status.setEndpoints(List.of(endpoints));
        c.setStatus(status);
        return c;
    }

    private static Node node(Map<String, String> labels, String... typeThenAddress) {
        Node node = ConnectorEndpointsTest.node("nat-0", typeThenAddress);
        node.getMetadata().setLabels(new LinkedHashMap<>(labels));
        return node;
    }

    private static Node withLabels(Node node, Map<String, String> labels) {
        Node copy = node(labels);
        copy.setStatus(node.getStatus());
        return copy;
    }

    @Test
    void aNodeIsSelectedWhenItCarriesEveryLabelOfTheSelector() {
        Map<String, String> labels = new LinkedHashMap<>(NAT);
        labels.put("zone", "a");
        assertThat(NatGatewayNodes.selects(connector("c", NAT), node(labels))).isTrue();
        assertThat(NatGatewayNodes.selects(connector("c", Map.of("pinhole.dev/egress", "other")), node(labels)))
                .isFalse();
        assertThat(NatGatewayNodes.selects(connector("c", NAT), node(Map.of()))).isFalse();
    }

    @Test
    void anEmptySelectorSelectsEveryNode() {
        assertThat(NatGatewayNodes.selects(connector("c", Map.of()), node(Map.of()))).isTrue();
    }

    @Test
    void aNodeEventReachesTheConnectorsSelectingIt() {
        Node nat = node(NAT, "InternalIP", "198.18.100.20");
        assertThat(NatGatewayNodes.affected(Stream.of(connector("selecting", NAT),
                connector("elsewhere", Map.of("pool", "b"))), nat))
                .containsExactly(new ResourceID("selecting", TestConnectors.NAMESPACE));
    }

    @Test
    void aNodeThatLeftThePoolStillReachesTheConnectorsPublishingItsAddress() {
        Node former = node(Map.of(), "InternalIP", "198.18.100.20");
        assertThat(NatGatewayNodes.affected(Stream.of(connector("published", NAT, "198.18.100.20:31000"),
                connector("other", NAT, "198.18.100.200:31000")), former))
                .containsExactly(new ResourceID("published", TestConnectors.NAMESPACE));
    }

    @Test
    void ipv6EndpointsAreMatchedByTheirBracketedHost() {
        Node former = node(Map.of(), "InternalIP", "2001:db8::20");
        assertThat(NatGatewayNodes.affected(Stream.of(connector("v6", NAT, "[2001:db8::20]:31000")), former))
                .containsExactly(new ResourceID("v6", TestConnectors.NAMESPACE));
    }

    @Test
    void aHeartbeatCannotChangeEndpoints() {
        Node before = node(NAT, "InternalIP", "198.18.100.20");
        Node after = node(NAT, "InternalIP", "198.18.100.20");
        after.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.NodeConditionBuilder()
                .withType("Ready").withStatus("True").withLastHeartbeatTime("2026-11-25T17:30:50Z").build()));
        assertThat(NatGatewayNodes.endpointsMayChange(after, before)).isFalse();
    }

    @Test
    void newAddressesOrLabelsCanChangeEndpoints() {
        Node before = node(NAT, "InternalIP", "198.18.100.20");
        assertThat(NatGatewayNodes.endpointsMayChange(node(NAT, "InternalIP", "198.18.100.30"), before)).isTrue();
        assertThat(NatGatewayNodes.endpointsMayChange(node(NAT), before)).isTrue();
        assertThat(NatGatewayNodes.endpointsMayChange(withLabels(before, Map.of()), before)).isTrue();
    }

    @Test
    void theCacheKeepsOnlyWhatEndpointsAreMadeOf() {
        Node node = node(NAT, "InternalIP", "198.18.100.20", "ExternalIP", "203.0.113.20");
        node.getMetadata().setAnnotations(Map.of("node.alpha.kubernetes.io/ttl", "0"));
        node.getStatus().setImages(List.of(new io.fabric8.kubernetes.api.model.ContainerImageBuilder()
                .withNames("registry.example/pinhole:1").withSizeBytes(80_000_000L).build()));
        node.setSpec(new io.fabric8.kubernetes.api.model.NodeSpecBuilder().withPodCIDR("198.18.200.0/24").build());

        Node cached = NatGatewayNodes.labelsAndAddressesOnly(node);

        assertThat(cached.getMetadata().getLabels()).isEqualTo(NAT);
        assertThat(cached.getStatus().getAddresses()).extracting(a -> a.getType() + "=" + a.getAddress())
                .containsExactly("InternalIP=198.18.100.20", "ExternalIP=203.0.113.20");
        assertThat(cached.getStatus().getImages()).isNullOrEmpty();
        assertThat(cached.getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(cached.getSpec()).isNull();
        assertThat(NatGatewayNodes.selects(connector("c", NAT), cached)).isTrue();
    }
}
