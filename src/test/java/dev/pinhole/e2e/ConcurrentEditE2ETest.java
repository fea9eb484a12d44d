package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Another client fights the operator: while it reconciles, one thread rewrites the AppConnector's spec in a tight
 * loop (read, change, update with the read resourceVersion, retry on 409), another tampers with its children
 * (scales the Deployment, adds a label of its own, overwrites the connector ConfigMap, breaks the Service selector,
 * deletes the Service). Afterwards everything must converge to the last spec written: the operator's fields
 * restored by server-side apply, nothing duplicated, the spec never overwritten by the operator, the operator
 * alive and quiet (no child writes, next to no reconciles, once converged).
 *
 * <p>Expected and asserted: a label another field manager added to a child stays (server-side apply only removes
 * fields its own manager applied before), while every field the operator applies is its again.
 */
@Tag("e2e")
class ConcurrentEditE2ETest {
    private static final int SPEC_ROUNDS = 40;
    private static final int TAMPER_ROUNDS = 40;
    private static final String FOREIGN_LABEL = "chaos.example.com/touched";
    /** Merge patches carry no resourceVersion: the tampering always lands, as a human's kubectl edit would. */
    private static final PatchContext CHAOS = new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE)
            .withFieldManager("chaos-monkey").build();
    private static KubernetesClient client;
    private static OperatorUnderTest operator;
    private static String ns;

    @BeforeAll
    static void start() throws Exception {
        client = E2ECluster.connect(ConcurrentEditE2ETest.class);
        E2ECluster.installCrds(client);
        ns = E2ECluster.createNamespace(client, "concurrent");
        operator = OperatorUnderTest.start(client, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        E2ECluster.tearDown(client, ns, operator);
    }

    @Test
    void foreignEditsAreUndoneAndTheLastSpecWriteWins() throws Exception {
        client.resource(TestObjects.connector(ns, "edge")).create();
        ConnectorConvergence edge = new ConnectorConvergence(client, ns, "edge");
        edge.await();
        String keyUid = client.secrets().inNamespace(ns).withName("edge-key").get().getMetadata().getUid();
        OperatorMetrics metrics = new OperatorMetrics(operator);
        double reconcilesBefore = reconciles(metrics);

        AtomicInteger conflicts = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AppConnectorSpec lastWritten;
        try {
            Future<AppConnectorSpec> specs = pool.submit(() -> rewriteSpec(conflicts));
            Future<Integer> tampering = pool.submit(ConcurrentEditE2ETest::tamperWithChildren);
            lastWritten = specs.get(5, TimeUnit.MINUTES);
            tampering.get(5, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        System.out.println("spec writes: " + SPEC_ROUNDS + " (" + conflicts.get() + " resourceVersion conflicts retried),"
                + " child tampering rounds: " + TAMPER_ROUNDS);

        AppConnector converged = edge.await();
        assertThat(converged.getSpec().getDomains()).as("the last spec write, not overwritten")
                .isEqualTo(lastWritten.getDomains());
        assertThat(converged.getSpec().getReplicas()).isEqualTo(lastWritten.getReplicas());
        assertThat(converged.getSpec().getClients()).extracting(AppConnectorSpec.Client::getName)
                .isEqualTo(lastWritten.getClients().stream().map(AppConnectorSpec.Client::getName).toList());
        edge.assertNoDuplicates();
        assertThat(client.secrets().inNamespace(ns).withName("edge-key").get().getMetadata().getUid())
                .as("key Secret never recreated").isEqualTo(keyUid);

        Deployment d = client.apps().deployments().inNamespace(ns).withName("edge").get();
        assertThat(d.getMetadata().getLabels()).as("operator labels back, foreign label kept")
                .containsEntry("app.kubernetes.io/managed-by", "pinhole-operator")
                .containsEntry("pinhole.dev/connector", "edge")
                .containsEntry(FOREIGN_LABEL, String.valueOf(TAMPER_ROUNDS - 1));
        ManagedFieldsEntry applied = d.getMetadata().getManagedFields().stream()
                .filter(f -> "pinhole-operator".equals(f.getManager()) && "Apply".equals(f.getOperation()))
                .findFirst().orElseThrow();
        assertThat(applied.getFieldsV1().getAdditionalProperties().toString()).as("operator owns spec.replicas again")
                .contains("f:replicas");
        assertThat(client.services().inNamespace(ns).withName("edge").get().getSpec().getSelector())
                .containsExactlyEntriesOf(Map.of("pinhole.dev/connector", "edge"));

        assertThat(operator.isAlive()).as("operator alive (never died nor restarted)").isTrue();
        double reconcilesAfter = reconciles(metrics);
        System.out.printf("AppConnector reconciles during the fight: %.0f%n", reconcilesAfter - reconcilesBefore);
        // Quiet once converged: an operator fighting a field it can never own keeps writing and reconciling.
        double writes = metrics.sum("pinhole_child_writes_total", "kind=\"AppConnector\"");
        await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(30))
                .alias("no child writes once converged")
                .until(() -> metrics.sum("pinhole_child_writes_total", "kind=\"AppConnector\"") == writes);
        // A status or child write loop reconciles many times a second; a few reconciles from late pod or node
        // events are fine.
        assertThat(reconciles(metrics) - reconcilesAfter).as("reconciles while quiet").isLessThanOrEqualTo(10);
    }

    /**
     * Someone replaces the connector image, drops the pod security context and the NAT-gateway node affinity (a
     * field-by-field edit, like {@code kubectl set image} or {@code kubectl edit}): the operator must put back the
     * pod template it applies, even though the spec's replicas (its cheap drift check) never changed.
     */
    @Test
    void aForeignEditOfThePodTemplateIsUndone() {
        client.resource(TestObjects.connector(ns, "template")).create();
        new ConnectorConvergence(client, ns, "template").await();
        PodSpec desired = client.apps().deployments().inNamespace(ns).withName("template").get()
                .getSpec().getTemplate().getSpec();
        client.apps().deployments().inNamespace(ns).withName("template").patch(
                new PatchContext.Builder().withPatchType(PatchType.JSON).withFieldManager("chaos-monkey").build(), """
                [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "evil.example/x:1"},
                 {"op": "remove", "path": "/spec/template/spec/securityContext"},
                 {"op": "remove", "path": "/spec/template/spec/affinity"}]""");
        PodSpec restored = await().atMost(E2ECluster.WAIT).alias("pod template restored").until(() -> client.apps()
                .deployments().inNamespace(ns).withName("template").get().getSpec().getTemplate().getSpec(),
                p -> !"evil.example/x:1".equals(p.getContainers().get(0).getImage())
                        && p.getSecurityContext() != null && p.getAffinity() != null);
        assertThat(restored.getContainers().get(0).getImage()).isEqualTo(desired.getContainers().get(0).getImage());
        assertThat(restored.getSecurityContext()).isEqualTo(desired.getSecurityContext());
        assertThat(restored.getAffinity()).isEqualTo(desired.getAffinity());
        new ConnectorConvergence(client, ns, "template").await();
    }

    private static double reconciles(OperatorMetrics metrics) throws Exception {
        return metrics.sum("pinhole_reconcile_seconds_count", "kind=\"AppConnector\"");
    }

    /** Writes {@link #SPEC_ROUNDS} spec changes with optimistic locking; returns the spec of the last one. */
    private static AppConnectorSpec rewriteSpec(AtomicInteger conflicts) {
        AppConnectorSpec written = null;
        for (int round = 0; round < SPEC_ROUNDS; round++) {
            while (true) {
                AppConnector c = client.resources(AppConnector.class).inNamespace(ns).withName("edge").get();
                AppConnectorSpec spec = c.getSpec();
                spec.setReplicas(1 + round % 3);
                spec.setDomains(new ArrayList<>(List.of("github.com", "*.github.com", "r" + round + ".example.com")));
                List<AppConnectorSpec.Client> clients = new ArrayList<>(List.of(
                        new AppConnectorSpec.Client("laptop-1", TestObjects.KEY_1, "100.96.0.2/32")));
                if (round % 2 == 1) {
                    clients.add(new AppConnectorSpec.Client("laptop-2", TestObjects.KEY_2, "100.96.0.3/32"));
                }
                spec.setClients(clients);
                try {
                    written = client.resource(c).update().getSpec();  // carries c's resourceVersion: 409 if stale
                    break;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        throw e;
                    }
                    conflicts.incrementAndGet();
                }
            }
        }
        return written;
    }

    /** Tampers with the operator's children {@link #TAMPER_ROUNDS} times; a 404 (child being recreated) is fine. */
    private static int tamperWithChildren() {
        for (int round = 0; round < TAMPER_ROUNDS; round++) {
            String value = String.valueOf(round);
            ignoringNotFound(() -> client.apps().deployments().inNamespace(ns).withName("edge").scale(5));
            ignoringNotFound(() -> client.apps().deployments().inNamespace(ns).withName("edge").patch(CHAOS,
                    "{\"metadata\":{\"labels\":{\"" + FOREIGN_LABEL + "\":\"" + value + "\"}}}"));
            ignoringNotFound(() -> client.configMaps().inNamespace(ns).withName("edge-config").patch(CHAOS,
                    "{\"data\":{\"connector.json\":\"{\\\"tampered\\\":" + value + "}\"}}"));
            // Bumps the AppConnector's resourceVersion (not its generation) under the spec writer's feet.
            client.resources(AppConnector.class).inNamespace(ns).withName("edge").patch(CHAOS,
                    "{\"metadata\":{\"annotations\":{\"" + FOREIGN_LABEL + "\":\"" + value + "\"}}}");
            if (round % 3 == 0) {
                ignoringNotFound(() -> client.services().inNamespace(ns).withName("edge").delete());
            } else {
                ignoringNotFound(() -> client.services().inNamespace(ns).withName("edge").patch(CHAOS,
                        "{\"spec\":{\"selector\":{\"pinhole.dev/connector\":\"nobody\"}}}"));
            }
        }
        return TAMPER_ROUNDS;
    }

    private static void ignoringNotFound(Runnable write) {
        try {
            write.run();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }
}
