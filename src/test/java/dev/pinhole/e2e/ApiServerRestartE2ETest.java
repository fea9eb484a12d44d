package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The operator survives its API server going away: with an AppConnector Ready, the spec is changed and
 * kube-apiserver restarted at once ({@code test/cluster/restart.sh}: SIGTERM, about 10 s down, same flags and
 * etcd), so the operator's reconcile, watches and status writes all hit a dead server. Afterwards the operator
 * must reconnect on its own and converge: the change made before the outage lands without any further edit, a
 * change made after it lands too, nothing is duplicated and the key Secret is the same object with the same key.
 * Needs the local cluster of {@code test/cluster/up.sh} (PINHOLE_CLUSTER_DIR) or a restart command in
 * {@code PINHOLE_E2E_RESTART_APISERVER} (Kind: test/kind/run.sh sets it); on any other cluster it is skipped.
 */
@Tag("e2e")
class ApiServerRestartE2ETest {
    private static KubernetesClient client;
    private static KubeApiServerRestart apiServer;
    private static OperatorUnderTest operator;
    private static String ns;

    @BeforeAll
    static void start() throws Exception {
        client = E2ECluster.connect(ApiServerRestartE2ETest.class);
        apiServer = restartable(client);
        E2ECluster.installCrds(client);
        ns = E2ECluster.createNamespace(client, "apirestart");
        operator = OperatorUnderTest.start(client, Map.of());
    }

    /** Restarts kube-apiserver and returns once it serves again. */
    @FunctionalInterface
    interface KubeApiServerRestart {
        void restart() throws Exception;
    }

    /**
     * How to restart this cluster's kube-apiserver: the command in {@code PINHOLE_E2E_RESTART_APISERVER} when set
     * (test/kind/run.sh: test/kind/restart-apiserver.sh, the static pod's manifest moved away for ~10 s), otherwise
     * test/cluster/restart.sh on the local cluster of up.sh. Skips on any other cluster. A local cluster that cannot
     * restart it fails under PINHOLE_REQUIRE_CLUSTER=1, since the scripts should always allow it.
     */
    static KubeApiServerRestart restartable(KubernetesClient client) throws Exception {
        String component = "kube-apiserver";
        Optional<HarnessCommand> command = HarnessCommand.fromEnv("PINHOLE_E2E_RESTART_APISERVER");
        if (command.isPresent()) {
            return () -> System.out.print(command.get().run(java.time.Duration.ofMinutes(5)));
        }
        String test = ApiServerRestartE2ETest.class.getSimpleName();
        Optional<LocalCluster> local = LocalCluster.of(client);
        String why = null;
        if (OperatorUnderTest.inCluster()) {
            why = "the operator runs in-cluster (PINHOLE_E2E_OPERATOR=in-cluster) and PINHOLE_E2E_RESTART_APISERVER"
                    + " names no restart command";
        } else if (local.isEmpty()) {
            why = LocalCluster.whyNotLocal() + " and PINHOLE_E2E_RESTART_APISERVER names no restart command";
        } else if (!local.get().canRestart(component)) {
            why = "the local cluster in " + local.get().dir() + " recorded no command line for " + component
                    + " (started by an older up.sh?)";
            if ("1".equals(System.getenv("PINHOLE_REQUIRE_CLUSTER"))) {
                throw new IllegalStateException(why);
            }
        }
        if (why != null) {
            System.err.println("SKIPPED " + test + ": " + why + "; it restarts " + component);
            Assumptions.abort(why);
        }
        LocalCluster cluster = local.get();
        return () -> cluster.restart(component);
    }

    @AfterAll
    static void stop() throws Exception {
        E2ECluster.tearDown(client, ns, operator);
    }

    @Test
    void theOperatorReconnectsAndConvergesAfterTheApiServerRestarts() throws Exception {
        client.resource(TestObjects.connector(ns, "edge")).create();
        ConnectorConvergence edge = new ConnectorConvergence(client, ns, "edge");
        AppConnector before = edge.await();
        Secret key = client.secrets().inNamespace(ns).withName("edge-key").get();

        client.resources(AppConnector.class).inNamespace(ns).withName("edge").edit(c -> {
            c.getSpec().setReplicas(3);
            return c;
        });
        apiServer.restart();
        assertThat(operator.isAlive()).as("operator alive after the restart (never died nor restarted)").isTrue();

        // No further edit: the change made just before the outage must land by itself.
        assertThat(edge.await().getSpec().getReplicas()).isEqualTo(3);
        edge.assertNoDuplicates();

        client.resources(AppConnector.class).inNamespace(ns).withName("edge").edit(c -> {
            c.getSpec().getClients().add(new AppConnectorSpec.Client("laptop-2", TestObjects.KEY_2,
                    "100.96.0.3/32"));
            return c;
        });
        AppConnector after = edge.await();
        assertThat(after.getSpec().getClients()).hasSize(2);
        assertThat(client.configMaps().inNamespace(ns).withName("edge-clients").get().getData())
                .containsOnlyKeys("laptop-1.conf", "laptop-2.conf");
        edge.assertNoDuplicates();
        Secret keyAfter = client.secrets().inNamespace(ns).withName("edge-key").get();
        assertThat(keyAfter.getMetadata().getUid()).isEqualTo(key.getMetadata().getUid());
        assertThat(keyAfter.getData()).isEqualTo(key.getData());
        assertThat(after.getStatus().getPublicKey()).isEqualTo(before.getStatus().getPublicKey());
        assertThat(operator.isAlive()).as("operator alive (never died nor restarted)").isTrue();
    }
}
