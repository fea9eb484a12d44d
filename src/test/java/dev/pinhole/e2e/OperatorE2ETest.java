package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.api.IPSet;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator, run exactly as in production (server-side apply, real informers; a local process, or the chart's
 * Deployment on Kind), against the real control plane {@code KUBECONFIG} points at: CRD validation by the API server,
 * children, scheduling onto tainted NAT-gateway nodes, garbage collection, key kept across restarts, IPSets.
 */
@Tag("e2e")
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class OperatorE2ETest {
    private static final Duration WAIT = E2ECluster.WAIT;
    private static KubernetesClient client;
    private static OperatorUnderTest operator;
    private static String ns;
    private static volatile String lastSeen;

    @BeforeAll
    static void start() throws Exception {
        client = E2ECluster.connect(OperatorE2ETest.class);
        E2ECluster.installCrds(client);
        ns = E2ECluster.createNamespace(client, "e2e");
        operator = OperatorUnderTest.start(client, java.util.Map.of());
    }

    @org.junit.jupiter.api.AfterEach
    void report() {
        if (lastSeen != null) {
            System.out.println("last AppConnector status seen: " + lastSeen);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        E2ECluster.tearDown(client, ns, operator);
    }

    private static void restartOperator() throws Exception {
        operator.restart(client);
    }

    private static AppConnector awaitConnector(String name, Predicate<AppConnector> until) {
        return await().atMost(WAIT).alias("AppConnector " + name + " status").until(() -> {
            AppConnector c = client.resources(AppConnector.class).inNamespace(ns).withName(name).get();
            lastSeen = c == null || c.getStatus() == null ? "no status" : "readyReplicas="
                    + c.getStatus().getReadyReplicas() + " endpoints=" + c.getStatus().getEndpoints() + " conditions="
                    + c.getStatus().getConditions().stream().map(x -> x.getType() + "=" + x.getStatus() + "/"
                            + x.getReason()).toList();
            return c;
        }, c -> c != null && c.getStatus() != null && until.test(c));
    }

    private static boolean condition(AppConnector c, String type, String status) {
        return c.getStatus().getConditions().stream().anyMatch(x -> type.equals(x.getType())
                && status.equals(x.getStatus()));
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void anAppConnectorBecomesReadyWithPodsOnlyOnNatGatewayNodes() {
        client.resource(TestObjects.connector(ns, "ready")).create();
        AppConnector c = awaitConnector("ready", x -> condition(x, "Ready", "True")
                && Integer.valueOf(2).equals(x.getStatus().getReadyReplicas())
                && !x.getStatus().getEndpoints().isEmpty());
        assertThat(c.getStatus().getPublicKey()).hasSize(44);
        assertThat(c.getStatus().getEndpoints()).allSatisfy(e -> assertThat(e).matches(".+:\\d+"));
        List<Pod> pods = client.pods().inNamespace(ns).withLabel("pinhole.dev/connector", "ready").list().getItems();
        assertThat(pods).hasSize(2).allSatisfy(p -> {
            Node node = client.nodes().withName(p.getSpec().getNodeName()).get();
            assertThat(node.getMetadata().getLabels()).containsEntry("pinhole.dev/egress", "nat-gateway");
        });
        for (String child : List.of("ready-config", "ready-clients")) {
            assertThat(client.configMaps().inNamespace(ns).withName(child).get()).as(child).isNotNull();
        }
        assertThat(client.network().v1().networkPolicies().inNamespace(ns).withName("ready").get()).isNotNull();
        assertThat(client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("ready").get()).isNotNull();
        Deployment d = client.apps().deployments().inNamespace(ns).withName("ready").get();
        assertThat(d.getMetadata().getManagedFields()).anySatisfy(f -> {
            assertThat(f.getManager()).isEqualTo("pinhole-operator");
            assertThat(f.getOperation()).isEqualTo("Apply");
        });
    }

    @Test
    @org.junit.jupiter.api.Order(4)
    void deletingTheConnectorGarbageCollectsItsChildren() {
        client.resource(TestObjects.connector(ns, "gone")).create();
        await().atMost(WAIT).until(() -> client.apps().deployments().inNamespace(ns).withName("gone").get() != null);
        client.resources(AppConnector.class).inNamespace(ns).withName("gone").delete();
        await().atMost(WAIT).until(() -> client.apps().deployments().inNamespace(ns).withName("gone").get() == null
                && client.secrets().inNamespace(ns).withName("gone-key").get() == null
                && client.configMaps().inNamespace(ns).withName("gone-config").get() == null
                && client.services().inNamespace(ns).withName("gone").get() == null);
    }

    @Test
    @org.junit.jupiter.api.Order(5)
    void theKeySurvivesAnOperatorRestart() throws Exception {
        client.resource(TestObjects.connector(ns, "restart")).create();
        AppConnector before = awaitConnector("restart", x -> x.getStatus().getPublicKey() != null);
        Secret key = client.secrets().inNamespace(ns).withName("restart-key").get();
        restartOperator();
        await().atMost(WAIT).ignoreExceptions().until(() -> {
            client.resources(AppConnector.class).inNamespace(ns).withName("restart").edit(c -> {
                c.getSpec().getClients().add(new AppConnectorSpec.Client("laptop-2", TestObjects.KEY_2,
                        "100.96.0.3/32"));
                return c;
            });
            return true;
        });
        await().atMost(WAIT).until(() -> client.configMaps().inNamespace(ns).withName("restart-clients").get()
                .getData().containsKey("laptop-2.conf"));
        Secret after = client.secrets().inNamespace(ns).withName("restart-key").get();
        assertThat(after.getMetadata().getUid()).isEqualTo(key.getMetadata().getUid());
        assertThat(after.getData()).isEqualTo(key.getData());
        assertThat(client.resources(AppConnector.class).inNamespace(ns).withName("restart").get().getStatus()
                .getPublicKey()).isEqualTo(before.getStatus().getPublicKey());
        // After the restart everything converges on the edited spec and nothing was created twice.
        ConnectorConvergence restarted = new ConnectorConvergence(client, ns, "restart");
        restarted.await();
        restarted.assertNoDuplicates();
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void theApiServerRefusesBadManifestsNamingTheField() {
        AppConnector duplicate = TestObjects.connector(ns, "dup");
        duplicate.getSpec().getClients().add(new AppConnectorSpec.Client("laptop-2", TestObjects.KEY_2,
                "100.96.0.2/32"));
        assertThatThrownBy(() -> client.resource(duplicate).create()).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("spec.clients").hasMessageContaining("client addresses must be unique");
        AppConnector badCidr = TestObjects.connector(ns, "cidr");
        badCidr.getSpec().getRoutes().setCidrs(List.of("140.82.112.0/33"));
        assertThatThrownBy(() -> client.resource(badCidr).create()).hasMessageContaining("spec.routes.cidrs")
                .hasMessageContaining("140.82.112.0/33");
        AppConnector negative = TestObjects.connector(ns, "neg");
        negative.getSpec().setReplicas(-1);
        assertThatThrownBy(() -> client.resource(negative).create()).hasMessageContaining("spec.replicas");
        IPSet range = TestObjects.ipSet(ns, "range", List.of("192.0.2.20-192.0.2.10"));
        assertThatThrownBy(() -> client.resource(range).create()).hasMessageContaining("spec.addresses")
                .hasMessageContaining("range start is after its end");
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void ipSetsConvergeAndACycleIsReported() {
        client.resource(TestObjects.ipSet(ns, "leaf", List.of("192.0.2.1", "192.0.2.2"))).create();
        IPSet top = TestObjects.ipSet(ns, "top", List.of("198.51.100.0/30"), "leaf");
        top.getSpec().setExclude(new java.util.ArrayList<>(List.of("192.0.2.2")));
        client.resource(top).create();
        IPSet ready = await().atMost(WAIT).until(() -> client.resources(IPSet.class).inNamespace(ns).withName("top")
                .get(), s -> s.getStatus() != null && s.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));
        assertThat(ready.getStatus().getCidrs()).containsExactly("192.0.2.1/32", "198.51.100.0/30");
        client.resource(TestObjects.ipSet(ns, "ping", List.of("192.0.2.9"), "pong")).create();
        client.resource(TestObjects.ipSet(ns, "pong", List.of("192.0.2.10"), "ping")).create();
        IPSet ping = await().atMost(WAIT).until(() -> client.resources(IPSet.class).inNamespace(ns)
                .withName("ping").get(), s -> s.getStatus() != null && s.getStatus().getConditions().stream()
                .anyMatch(c -> "IncludeCycle".equals(c.getReason())));
        Condition readyCondition = ping.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.getType())).findFirst().orElseThrow();
        assertThat(readyCondition.getMessage()).isEqualTo("include cycle: ping -> pong -> ping");
        assertThat(ping.getStatus().getCidrs()).isEmpty();
    }
}
