package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DesiredNetworkObjectsTest {
    private final AppConnector c = TestConnectors.valid();

    private ServicePort onlyPort(Service s) {
        assertThat(s.getSpec().getPorts()).hasSize(1);
        return s.getSpec().getPorts().get(0);
    }

    private static List<String> admitted(NetworkPolicy np) {
        return np.getSpec().getIngress().stream()
                .flatMap(rule -> rule.getPorts().stream())
                .map(DesiredNetworkObjectsTest::describe)
                .toList();
    }

    private static String describe(NetworkPolicyPort p) {
        return p.getProtocol() + "/" + p.getPort().getIntVal();
    }

    @Test
    void serviceIsALoadBalancerByDefault() {
        assertThat(DesiredNetworkObjects.service(c).getSpec().getType()).isEqualTo("LoadBalancer");
    }

    @Test
    void serviceWithoutServiceBlockIsALoadBalancer() {
        c.getSpec().setService(null);

        assertThat(DesiredNetworkObjects.service(c).getSpec().getType()).isEqualTo("LoadBalancer");
    }

    @Test
    void serviceTypeFollowsTheSpec() {
        c.getSpec().getService().setType(AppConnectorSpec.ServiceSpec.Type.NodePort);

        assertThat(DesiredNetworkObjects.service(c).getSpec().getType()).isEqualTo("NodePort");
    }

    @Test
    void servicePortIsUdpListenPortTargetingTheNamedContainerPort() {
        c.getSpec().getTunnel().setListenPort(41641);

        ServicePort port = onlyPort(DesiredNetworkObjects.service(c));

        assertThat(port.getProtocol()).isEqualTo("UDP");
        assertThat(port.getPort()).isEqualTo(41641);
        assertThat(port.getTargetPort().getStrVal()).isEqualTo(ConnectorNames.WIREGUARD_PORT_NAME);
    }

    @Test
    void serviceSelectsTheConnectorPods() {
        assertThat(DesiredNetworkObjects.service(c).getSpec().getSelector())
                .isEqualTo(ConnectorNames.selector(c))
                .containsEntry(ConnectorNames.LABEL_CONNECTOR, TestConnectors.NAME);
    }

    @Test
    void serviceCarriesTheGivenAnnotations() {
        c.getSpec().getService().setAnnotations(
                Map.of("service.beta.kubernetes.io/aws-load-balancer-type", "nlb"));

        assertThat(DesiredNetworkObjects.service(c).getMetadata().getAnnotations())
                .containsExactlyEntriesOf(Map.of("service.beta.kubernetes.io/aws-load-balancer-type", "nlb"));
    }

    @Test
    void serviceKeepsAClientOnOnePod() {
        assertThat(DesiredNetworkObjects.service(c).getSpec().getSessionAffinity()).isEqualTo("ClientIP");
    }

    @Test
    void aLoadBalancerServiceKeepsTheClientsSourceForSessionRecovery() {
        c.getSpec().getService().setType(AppConnectorSpec.ServiceSpec.Type.LoadBalancer);
        assertThat(DesiredNetworkObjects.service(c).getSpec().getExternalTrafficPolicy()).isEqualTo("Local");
    }

    @Test
    void nodePortAndClusterIpServicesLeaveTheTrafficPolicyAlone() {
        // NodePort: the client config names one NAT-gateway node, which need not run a pod (Local would drop
        // there); ClusterIP: the API server refuses the field.
        c.getSpec().getService().setType(AppConnectorSpec.ServiceSpec.Type.NodePort);
        assertThat(DesiredNetworkObjects.service(c).getSpec().getExternalTrafficPolicy()).isNull();
        c.getSpec().getService().setType(AppConnectorSpec.ServiceSpec.Type.ClusterIP);
        assertThat(DesiredNetworkObjects.service(c).getSpec().getExternalTrafficPolicy()).isNull();
    }

    @Test
    void networkPolicyAdmitsExactlyTheWireGuardAndHttpPorts() {
        c.getSpec().getTunnel().setListenPort(41641);

        NetworkPolicy np = DesiredNetworkObjects.networkPolicy(c, List.of());

        assertThat(np.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(admitted(np)).containsExactlyInAnyOrder("UDP/41641", "TCP/9090");
    }

    @Test
    void theHttpPortIsOpenOnlyToTheListedNamespaces() {
        NetworkPolicy np = DesiredNetworkObjects.networkPolicy(c, List.of("pinhole-system", "monitoring"));

        var http = np.getSpec().getIngress().stream()
                .filter(rule -> rule.getPorts().stream().anyMatch(p -> "TCP".equals(p.getProtocol()))).findFirst()
                .orElseThrow();
        assertThat(http.getFrom()).extracting(peer -> peer.getNamespaceSelector().getMatchLabels())
                .containsExactly(Map.of("kubernetes.io/metadata.name", "pinhole-system"),
                        Map.of("kubernetes.io/metadata.name", "monitoring"));
        assertThat(http.getFrom()).allSatisfy(peer -> assertThat(peer.getPodSelector()).isNull());
    }

    @Test
    void theOperatorsNamespaceComesFirstAndNoneTwice() {
        assertThat(AppConnectorReconciler.httpNamespaces("pinhole-system", List.of("monitoring", "pinhole-system")))
                .containsExactly("pinhole-system", "monitoring");
        assertThat(AppConnectorReconciler.httpNamespaces(null, List.of())).as("an operator outside the cluster")
                .isEmpty();
    }

    @Test
    void wireGuardStaysOpenToEveryone() {
        NetworkPolicy np = DesiredNetworkObjects.networkPolicy(c, List.of("pinhole-system"));

        var udp = np.getSpec().getIngress().stream()
                .filter(rule -> rule.getPorts().stream().anyMatch(p -> "UDP".equals(p.getProtocol()))).findFirst()
                .orElseThrow();
        assertThat(udp.getFrom()).isNullOrEmpty();
    }

    @Test
    void networkPolicyAppliesToTheConnectorPods() {
        assertThat(DesiredNetworkObjects.networkPolicy(c, List.of()).getSpec().getPodSelector().getMatchLabels())
                .isEqualTo(ConnectorNames.selector(c));
    }

    @Test
    void podDisruptionBudgetAllowsOneUnavailable() {
        PodDisruptionBudget pdb = DesiredNetworkObjects.podDisruptionBudget(c);

        assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(pdb.getSpec().getMinAvailable()).isNull();
        assertThat(pdb.getSpec().getSelector().getMatchLabels()).isEqualTo(ConnectorNames.selector(c));
    }

    @Test
    void allNetworkObjectsShareTheConnectorsNameNamespaceAndLabels() {
        for (var meta : List.of(DesiredNetworkObjects.service(c).getMetadata(),
                DesiredNetworkObjects.networkPolicy(c, List.of()).getMetadata(),
                DesiredNetworkObjects.podDisruptionBudget(c).getMetadata())) {
            assertThat(meta.getName()).isEqualTo(TestConnectors.NAME);
            assertThat(meta.getNamespace()).isEqualTo(TestConnectors.NAMESPACE);
            assertThat(meta.getLabels()).containsAllEntriesOf(ConnectorNames.selector(c));
        }
    }
}
