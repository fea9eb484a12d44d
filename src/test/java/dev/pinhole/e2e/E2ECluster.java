package dev.pinhole.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/** The cluster {@code KUBECONFIG} points at, for e2e tests: skips without one unless PINHOLE_REQUIRE_CLUSTER=1. */
public final class E2ECluster {
    public static final Duration WAIT = Duration.ofSeconds(120);

    private E2ECluster() {
    }

    /** A client for the configured cluster, or aborts (skip) / throws (required) when there is none. */
    public static KubernetesClient connect(Class<?> testClass) {
        String kubeconfig = System.getenv("KUBECONFIG");
        if (kubeconfig == null || kubeconfig.isBlank()) {
            if ("1".equals(System.getenv("PINHOLE_REQUIRE_CLUSTER"))) {
                throw new IllegalStateException("PINHOLE_REQUIRE_CLUSTER=1 but KUBECONFIG is not set");
            }
            System.err.println("SKIPPED " + testClass.getSimpleName()
                    + ": KUBECONFIG is not set; start a cluster with test/cluster/up.sh (.ci/run does)");
            Assumptions.abort("KUBECONFIG is not set; start a cluster with test/cluster/up.sh");
        }
        return new KubernetesClientBuilder().build();
    }

    /** Server-side applies every CRD in {@code crds/} and waits until the AppConnector CRD is established. */
    public static void installCrds(KubernetesClient client) throws IOException {
        for (File crd : new File("crds").listFiles()) {
            try (InputStream in = Files.newInputStream(crd.toPath())) {
                client.load(in).forceConflicts().serverSideApply();
            }
        }
        await().atMost(WAIT).until(() -> client.apiextensions().v1().customResourceDefinitions()
                .withName("appconnectors.pinhole.dev").get().getStatus().getConditions().stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())));
    }

    /** Creates a namespace with a random suffix, so parallel and repeated runs never share objects. */
    public static String createNamespace(KubernetesClient client, String prefix) {
        String ns = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                .create();
        return ns;
    }

    /** Stops the operator (if any), deletes the test's namespace (if any) and closes the client (if any). */
    public static void tearDown(KubernetesClient client, String namespace, AutoCloseable operator) throws Exception {
        if (operator != null) {
            operator.close();
        }
        if (client != null) {
            if (namespace != null) {
                client.namespaces().withName(namespace).delete();
            }
            client.close();
        }
    }
}
