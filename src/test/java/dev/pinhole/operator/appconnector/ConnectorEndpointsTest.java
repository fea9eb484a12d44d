package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConnectorEndpointsTest {

    static Node node(String name, String... typeThenAddress) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus().endStatus();
        for (int i = 0; i < typeThenAddress.length; i += 2) {
            b.editStatus().addNewAddress().withType(typeThenAddress[i]).withAddress(typeThenAddress[i + 1])
                    .endAddress().endStatus();
        }
        return b.build();
    }

    private static Service service(String type, Integer nodePort) {
        return new ServiceBuilder().withNewMetadata().withName("saas").endMetadata()
                .withNewSpec().withType(type).withClusterIP("10.96.0.20")
                .addNewPort().withPort(51820).withNodePort(nodePort).endPort().endSpec().build();
    }

    @Test
    void loadBalancerIngressWinsOverNodeAddresses() {
        Service s = service("LoadBalancer", 31000);
        s.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder().withNewLoadBalancer()
                .addNewIngress().withIp("203.0.113.50").endIngress()
                .addNewIngress().withHostname("vpn.example.com").endIngress().endLoadBalancer().build());
        assertThat(ConnectorEndpoints.of(Optional.of(s), List.of(node("n", "InternalIP", "198.18.100.20"))))
                .containsExactly("203.0.113.50:51820", "vpn.example.com:51820");
    }

    @Test
    void withoutIngressTheNodePortOnEachSelectedNodeIsPublishedSorted() {
        List<Node> nodes = List.of(node("b", "InternalIP", "198.18.100.21", "Hostname", "b"),
                node("a", "InternalIP", "198.18.100.20"));
        assertThat(ConnectorEndpoints.of(Optional.of(service("NodePort", 31000)), nodes))
                .containsExactly("198.18.100.20:31000", "198.18.100.21:31000");
    }

    @Test
    void anExternalAddressIsPreferredToTheInternalOne() {
        Node node = node("a", "InternalIP", "198.18.100.20", "ExternalIP", "203.0.113.10");
        assertThat(ConnectorEndpoints.of(Optional.of(service("NodePort", 31000)), List.of(node)))
                .containsExactly("203.0.113.10:31000");
    }

    @Test
    void ipv6AddressesAreBracketed() {
        Node node = node("a", "InternalIP", "2001:db8::20");
        assertThat(ConnectorEndpoints.of(Optional.of(service("NodePort", 31000)), List.of(node)))
                .containsExactly("[2001:db8::20]:31000");
    }

    @Test
    void nodesWithoutAddressesAreLeftOut() {
        assertThat(ConnectorEndpoints.of(Optional.of(service("NodePort", 31000)), List.of(node("a"))))
                .isEmpty();
    }

    @Test
    void aClusterIpServiceIsReachedOnItsClusterIp() {
        assertThat(ConnectorEndpoints.of(Optional.of(service("ClusterIP", null)),
                List.of(node("a", "InternalIP", "198.18.100.20")))).containsExactly("10.96.0.20:51820");
    }

    @Test
    void noServiceMeansNoEndpoints() {
        assertThat(ConnectorEndpoints.of(Optional.empty(), List.of(node("a", "InternalIP", "198.18.100.20"))))
                .isEmpty();
    }
}
