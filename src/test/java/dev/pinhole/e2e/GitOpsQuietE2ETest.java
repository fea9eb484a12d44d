package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.IPSet;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A GitOps tool re-applying unchanged manifests must cause no writes: with the examples and a few more AppConnectors
 * (LoadBalancer, NodePort, ClusterIP) and IPSets (includes, a connector selector) Ready, the same manifests are
 * server-side applied again as Argo CD does, and for a minute neither the operator's write counters nor any
 * resourceVersion of the custom resources or their children may move.
 */
@Tag("e2e")
class GitOpsQuietE2ETest {
    /** The field manager Argo CD uses for server-side apply. */
    private static final String ARGO_FIELD_MANAGER = "argocd-controller";
    private static final Duration QUIET = Duration.ofSeconds(60);
    private static final List<Class<? extends HasMetadata>> WATCHED = List.of(AppConnector.class, IPSet.class,
            Deployment.class, Service.class, ConfigMap.class, Secret.class, PodDisruptionBudget.class,
            NetworkPolicy.class);

    private static KubernetesClient client;
    private static OperatorUnderTest operator;
    private static String ns;

    @BeforeAll
    static void start() throws Exception {
        client = E2ECluster.connect(GitOpsQuietE2ETest.class);
        E2ECluster.installCrds(client);
        ns = E2ECluster.createNamespace(client, "quiet");
        operator = OperatorUnderTest.start(client, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        E2ECluster.tearDown(client, ns, operator);
    }

    @Test
    void reapplyingUnchangedManifestsWritesNothingForAMinute() throws Exception {
        List<String> manifests = manifests();
        applyAll(manifests);
        await().atMost(E2ECluster.WAIT).alias("every AppConnector and IPSet Ready").until(this::allReady);
        // A last status write may trail Ready by a moment; a write loop never settles and fails here already.
        Map<String, Double> settled = awaitNoWritesFor(Duration.ofSeconds(10));

        Map<String, String> versionsBefore = resourceVersions();
        applyAll(manifests);
        Thread.sleep(QUIET.toMillis());
        Map<String, Double> after = writeCounters();
        Map<String, String> versionsAfter = resourceVersions();

        assertThat(after).as("operator write counters (log: %s)", operator.logLocation()).isEqualTo(settled);
        assertThat(versionsAfter).as("resourceVersions of the custom resources and their children")
                .isEqualTo(versionsBefore);
        assertThat(versionsBefore.keySet()).as("objects watched").hasSizeGreaterThan(30);
    }

    private static List<String> manifests() throws IOException {
        List<String> docs = new ArrayList<>();
        docs.add(Files.readString(Path.of("examples", "ipset.yaml")));
        String example = Files.readString(Path.of("examples", "appconnector.yaml"));
        if (OperatorUnderTest.inCluster()) {
            // Kind runs the connector pods: the example's fail-closed check against checkip.amazonaws.com sees the
            // laptop's address, never the documentation address 203.0.113.10, so its pods would never be Ready.
            // Still checked and reported (EgressVerified), just not enforced; both applies send the same manifest.
            String enforced = "      enforce: true\n";
            assertThat(example).as("examples/appconnector.yaml enforces its egress check").contains(enforced);
            example = example.replace(enforced, "      enforce: false\n");
        }
        docs.add(example);
        docs.add("""
                apiVersion: pinhole.dev/v1alpha1
                kind: IPSet
                metadata: {name: quiet-base}
                spec: {addresses: ["192.0.2.0/28", "198.51.100.32-198.51.100.40"], exclude: ["192.0.2.5"]}
                ---
                apiVersion: pinhole.dev/v1alpha1
                kind: IPSet
                metadata: {name: quiet-team}
                spec:
                  include: [{name: quiet-base}, {name: github-meta}]
                  appConnectors: {matchLabels: {team: quiet}}
                """);
        String[][] connectors = {{"quiet-nodeport", "NodePort", "1"}, {"quiet-lb", "LoadBalancer", "2"},
                {"quiet-clusterip", "ClusterIP", "1"}};
        int client = 2;
        for (String[] c : connectors) {
            docs.add("""
                    apiVersion: pinhole.dev/v1alpha1
                    kind: AppConnector
                    metadata: {name: %s, labels: {team: quiet}}
                    spec:
                      domains: ["example.com", "*.example.com"]
                      routes: {cidrs: ["203.0.113.128/25"], ipSets: [{name: quiet-base}]}
                      clients:
                        - {name: laptop, publicKey: "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=", address: 100.96.0.%d/32}
                      tunnel: {address: 100.96.0.1/24}
                      service: {type: %s}
                      egress:
                        elasticIP: 203.0.113.10
                        natGateway:
                          nodeSelector: {pinhole.dev/egress: nat-gateway}
                          tolerations: [{key: pinhole.dev/egress, operator: Equal, value: nat-gateway, effect: NoSchedule}]
                      replicas: %s
                    """.formatted(c[0], client++, c[1], c[2]));
        }
        return docs;
    }

    private static void applyAll(List<String> manifests) {
        for (String yaml : manifests) {
            client.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).inNamespace(ns)
                    .fieldManager(ARGO_FIELD_MANAGER).forceConflicts().serverSideApply();
        }
    }

    private boolean allReady() {
        List<AppConnector> connectors = client.resources(AppConnector.class).inNamespace(ns).list().getItems();
        List<IPSet> sets = client.resources(IPSet.class).inNamespace(ns).list().getItems();
        return connectors.size() == 4 && sets.size() == 5
                && connectors.stream().allMatch(c -> c.getStatus() != null && ready(c.getStatus().getConditions())
                        && !c.getStatus().getEndpoints().isEmpty())
                && sets.stream().allMatch(s -> s.getStatus() != null && ready(s.getStatus().getConditions()));
    }

    private static boolean ready(List<Condition> conditions) {
        return conditions != null && conditions.stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static Map<String, Double> awaitNoWritesFor(Duration quiet) {
        Map<String, Double>[] last = new Map[] {writeCounters()};
        long[] since = {System.nanoTime()};
        await().atMost(E2ECluster.WAIT).pollInterval(Duration.ofSeconds(1)).alias("operator writes settle")
                .until(() -> {
                    Map<String, Double> now = writeCounters();
                    if (!now.equals(last[0])) {
                        last[0] = now;
                        since[0] = System.nanoTime();
                    }
                    return System.nanoTime() - since[0] >= quiet.toNanos();
                });
        return last[0];
    }

    /** Each {@code pinhole_child_writes_total} and {@code pinhole_status_writes_total} series and its value. */
    private static Map<String, Double> writeCounters() {
        try {
            Map<String, Double> counters = new TreeMap<>();
            operator.metrics().lines()
                    .filter(l -> l.startsWith("pinhole_child_writes_total") || l.startsWith("pinhole_status_writes_total"))
                    .forEach(l -> counters.put(l.substring(0, l.lastIndexOf(' ')),
                            Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))));
            return counters;
        } catch (IOException e) {
            throw new IllegalStateException("operator metrics unreachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** kind/name → resourceVersion of every watched object in the namespace. */
    private static Map<String, String> resourceVersions() {
        Map<String, String> versions = new TreeMap<>();
        for (Class<? extends HasMetadata> kind : WATCHED) {
            for (HasMetadata o : client.resources(kind).inNamespace(ns).list().getItems()) {
                if (!"kube-root-ca.crt".equals(o.getMetadata().getName())) {
                    versions.put(o.getKind() + "/" + o.getMetadata().getName(), o.getMetadata().getResourceVersion());
                }
            }
        }
        return versions;
    }
}
