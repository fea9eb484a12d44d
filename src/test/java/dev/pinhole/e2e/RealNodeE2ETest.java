package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The connector Deployment as the operator renders it, on a real kubelet node (test/cluster/node.sh) running the image
 * built from the repository's Dockerfile (hack/image.sh): the API server's own Pod Security admission checks the pod
 * under {@code restricted}; the container really runs as 65532 on a read-only root filesystem without a token; the
 * operator (the packaged jar in cluster-net.sh's namespace, as in {@link OperatorProbeE2ETest}) probes the pod's
 * {@code /status} at its pod address; a changed AppConnector reaches the running pod through the kubelet's update of
 * the mounted ConfigMap; a deleted pod is replaced; the kubelet reports its memory. The "SaaS" answering the egress check is socat at 198.18.199.1
 * in the operator's namespace, answering the caller's address: the node masquerades its pods' egress to its own
 * address, so that is the egress IP the pod observes and the AppConnector declares.
 * Needs the node up ({@code test/cluster/node.sh up}) and the image built ({@code hack/image.sh}); skipped without
 * the node unless {@code PINHOLE_REQUIRE_REAL_NODE=1}. Tag {@code realnode}, left out of the default and e2e runs.
 */
@Tag("realnode")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeE2ETest {
    /** A cold JVM on a busy 2-core machine, the image's first unpack and the kubelet's sync: generous. */
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final Duration CMD = Duration.ofMinutes(3);
    private static final Duration IMAGE_BUILD = Duration.ofMinutes(15);
    private static final String NAME = "saas";
    private static final String SAAS_ADDRESS = "198.18.199.1";
    private static final Path NODE_SH = Path.of("test", "cluster", "node.sh");
    private static final Path IMAGE_SH = Path.of("hack", "image.sh");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern APPLIED = Pattern.compile(
            "^pinhole_connector_config_reloads_total\\{outcome=\"applied\"[^}]*} ([0-9.Ee+]+)$", Pattern.MULTILINE);

    private static final Map<String, String> node = new HashMap<>();
    private static KubernetesClient client;
    private static String image;
    private static String ns;
    private static Process saas;
    private static OperatorProcess operator;
    private static volatile String lastSeen;

    @BeforeAll
    static void start() throws Exception {
        CommandResult env = NetnsTopology.run(Map.of(), Duration.ofSeconds(30), "bash", NODE_SH.toString(), "env");
        if (env.exitCode() != 0) {
            String why = "no real node (test/cluster/node.sh up): " + env.stderr().strip();
            if ("1".equals(System.getenv("PINHOLE_REQUIRE_REAL_NODE"))) {
                throw new IllegalStateException("PINHOLE_REQUIRE_REAL_NODE=1 but " + why);
            }
            System.err.println("SKIPPED RealNodeE2ETest: " + why);
            Assumptions.abort(why);
        }
        for (String line : env.stdout().strip().split("\n")) {
            int eq = line.indexOf('=');
            node.put(line.substring(0, eq), line.substring(eq + 1));
        }
        client = E2ECluster.connect(RealNodeE2ETest.class);
        E2ECluster.installCrds(client);

        image = Optional.ofNullable(System.getenv("PINHOLE_IMAGE")).orElse("ghcr.io/pinhole-dev/pinhole:dev");
        // Built from this checkout (0.8 s when its build context is unchanged), so the pod runs the code under test.
        Path archive = Path.of(run(IMAGE_BUILD, "bash", IMAGE_SH.toString(), "build").lastLine());
        assertThat(archive).as("the image archive hack/image.sh wrote").exists();
        long started = System.nanoTime();
        String images = run("bash", NODE_SH.toString(), "import", archive.toString()).stdout();
        assertThat(images).as("images in the node's containerd").contains(image);
        System.out.printf("image imported into the node's containerd in %.1f s%n", (System.nanoTime() - started) / 1e9);

        int port = ThreadLocalRandom.current().nextInt(20000, 30000);
        saas = startSaas(port);

        ns = "e2e-realnode-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .addToLabels("pod-security.kubernetes.io/enforce-version", "latest").endMetadata().build()).create();
        operator = OperatorProcess.startInNetworkNamespace(node.get("OPERATOR_NETNS"), Map.of(
                "PINHOLE_CONNECTOR_IMAGE", image,
                "PINHOLE_OPERATOR_PROBE_CONNECTORS", "true",
                "PINHOLE_OPERATOR_RECHECK_SECONDS", "2",
                "PINHOLE_OPERATOR_REPORT_SECONDS", "2",
                "PINHOLE_OPERATOR_PROBE_TIMEOUT_MILLIS", "5000",
                // The SaaS stand-in listens on a benchmarking-range address: refused by default (issue 12).
                "PINHOLE_OPERATOR_VERIFY_URL_ALLOW_INTERNAL", "true",
                "QUARKUS_OPERATOR_SDK_NAMESPACES", ns));

        AppConnector connector = TestObjects.connector(ns, NAME);
        connector.getSpec().setReplicas(1);
        connector.getSpec().getEgress().setElasticIP(node.get("NODE_IP"));
        connector.getSpec().getEgress().getNatGateway().setNodeSelector(Map.of("pinhole.dev/egress", "nat-gateway",
                "kubernetes.io/hostname", node.get("NODE_NAME")));
        AppConnectorSpec.Verify verify = new AppConnectorSpec.Verify();
        verify.setUrl("http://" + SAAS_ADDRESS + ":" + port + "/ip");
        verify.setEnforce(true);
        connector.getSpec().getEgress().setVerify(verify);
        client.resource(connector).create();
    }

    /** socat in the operator's namespace: {@code GET /ip} answers the caller's address (after reading the request). */
    private static Process startSaas(int port) throws IOException {
        // A script file: socat's address syntax would take the shell's brackets and quotes apart.
        Path reply = Files.createTempFile("pinhole-saas", ".sh");
        Files.writeString(reply, """
                while read -r line && [ "${#line}" -gt 1 ]; do :; done
                printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\n\\r\\n%s\\n' "$SOCAT_PEERADDR"
                """);
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", node.get("OPERATOR_NETNS"), "socat",
                "TCP4-LISTEN:" + port + ",bind=" + SAAS_ADDRESS + ",reuseaddr,fork", "EXEC:sh " + reply)
                .redirectErrorStream(true).redirectOutput(Files.createTempFile("pinhole-saas", ".log").toFile());
        pb.environment().merge("PATH", "/usr/sbin:/sbin", (a, b) -> a + ":" + b);
        return pb.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (operator != null) {
            operator.close();
            List<String> lines = operator.logLines();
            System.out.println("operator log " + operator.logLocation() + " (last 20 lines):\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
        }
        if (saas != null) {
            saas.descendants().forEach(ProcessHandle::destroyForcibly);
            saas.destroyForcibly().waitFor();
        }
        E2ECluster.tearDown(client, ns, null);
    }

    @Test
    @Order(1)
    void theConnectorPodIsAdmittedUnderRestrictedAndBecomesReadyOnTheRealNode() {
        long started = System.nanoTime();
        awaitConnector(c -> condition(c, "Ready").filter(x -> "True".equals(x.getStatus())).isPresent());
        Pod pod = connectorPod();
        System.out.printf("connector pod Ready on the real node %.1f s after the AppConnector's Ready wait began%n",
                (System.nanoTime() - started) / 1e9);
        assertThat(pod.getSpec().getNodeName()).isEqualTo(node.get("NODE_NAME"));
        assertThat(pod.getStatus().getPodIP()).startsWith("198.18.202.");
        ContainerStatus container = pod.getStatus().getContainerStatuses().get(0);
        assertThat(container.getReady()).isTrue();
        assertThat(container.getImage()).isEqualTo(image);
    }

    /** What the container really runs with, seen from inside it (an exec through the node's containerd). */
    @Test
    @Order(2)
    void theContainerRunsAs65532OnAReadOnlyRootWithoutAToken() {
        String out = execInConnector("id -u; id -g; "
                + "if touch /opt/pinhole/probe 2>/dev/null; then echo root-writable; else echo root-read-only; fi; "
                + "if touch /tmp/probe 2>/dev/null; then echo tmp-writable; fi; "
                + "if [ -e /var/run/secrets/kubernetes.io ]; then echo token; else echo no-token; fi; "
                + "tr '\\0' ' ' < /proc/1/cmdline; echo");
        List<String> lines = out.strip().lines().toList();
        assertThat(lines).as(out).hasSize(6);
        assertThat(lines.subList(0, 5)).containsExactly("65532", "65532", "root-read-only", "tmp-writable", "no-token");
        assertThat(lines.get(5)).contains("dev.pinhole.connector.ConnectorMain");
    }

    @Test
    @Order(3)
    void theOperatorProbesTheRealPodAndReportsItsObservedEgress() {
        AppConnector c = awaitConnector(x -> condition(x, "EgressVerified")
                .filter(e -> "True".equals(e.getStatus())).isPresent());
        Condition egress = condition(c, "EgressVerified").orElseThrow();
        assertThat(egress.getReason()).isEqualTo("Verified");
        assertThat(egress.getMessage()).isEqualTo("1 pods observe egress " + node.get("NODE_IP"));
        assertThat(c.getStatus().getEgressIPs()).containsExactly(node.get("NODE_IP"));
        assertThat(c.getStatus().getActiveFlows()).isZero();
    }

    /** A new domain reaches the running pod through the kubelet's ConfigMap volume update, without a restart. */
    @Test
    @Order(4)
    void aChangedSpecReachesTheRunningPodThroughTheConfigMapVolume() {
        Pod before = connectorPod();
        double applied = appliedReloads(before);
        long started = System.nanoTime();
        client.resources(AppConnector.class).inNamespace(ns).withName(NAME).edit(c -> {
            c.getSpec().getDomains().add("api.example.com");
            return c;
        });
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).alias("connector applied a new config")
                .until(() -> appliedReloads(before) > applied);
        System.out.printf("ConfigMap change applied by the running pod after %.1f s%n",
                (System.nanoTime() - started) / 1e9);
        assertThat(execInConnector("cat /etc/pinhole/config/connector.json")).contains("api.example.com");
        Pod after = connectorPod();
        assertThat(after.getMetadata().getUid()).isEqualTo(before.getMetadata().getUid());
        assertThat(after.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero();
    }

    @Test
    @Order(5)
    void aDeletedPodIsReplacedAndReadyAgain() {
        Pod before = connectorPod();
        long started = System.nanoTime();
        client.pods().inNamespace(ns).withName(before.getMetadata().getName()).delete();
        Pod replacement = await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).alias("a Ready replacement pod")
                .until(RealNodeE2ETest::connectorPods, pods -> pods.size() == 1
                        && !pods.get(0).getMetadata().getUid().equals(before.getMetadata().getUid())
                        && ready(pods.get(0))).get(0);
        System.out.printf("pod deleted -> replacement Ready after %.1f s%n", (System.nanoTime() - started) / 1e9);
        assertThat(replacement.getSpec().getNodeName()).isEqualTo(node.get("NODE_NAME"));
        awaitConnector(x -> condition(x, "EgressVerified").filter(e -> "True".equals(e.getStatus())).isPresent()
                && x.getStatus().getReadyReplicas() != null && x.getStatus().getReadyReplicas() == 1);
    }

    /** The connector's memory as the kubelet reports it (/stats/summary), within the limit the operator sets. */
    @Test
    @Order(6)
    void theKubeletReportsTheConnectorsMemoryWithinItsLimit() throws IOException {
        Pod pod = connectorPod();
        Path pki = LocalCluster.stateDir().resolve("pki");
        String summary = run("ip", "netns", "exec", node.get("OPERATOR_NETNS"), "curl", "-fsS", "--max-time", "10",
                "-k", "--cert", pki.resolve("apiserver-kubelet-client.crt").toString(),
                "--key", pki.resolve("apiserver-kubelet-client.key").toString(),
                "https://" + node.get("NODE_IP") + ":10250/stats/summary").stdout();
        JsonNode memory = null;
        for (JsonNode p : JSON.readTree(summary).path("pods")) {
            if (pod.getMetadata().getName().equals(p.path("podRef").path("name").asText())) {
                for (JsonNode c : p.path("containers")) {
                    if ("connector".equals(c.path("name").asText())) {
                        memory = c.path("memory");
                    }
                }
            }
        }
        assertThat(memory).as("connector container in the kubelet's summary").isNotNull();
        long rss = memory.path("rssBytes").asLong();
        long workingSet = memory.path("workingSetBytes").asLong();
        long limit = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(pod.getSpec().getContainers().get(0)
                .getResources().getLimits().get("memory")).longValue();
        System.out.printf("connector memory (kubelet): rss %.1f MiB, working set %.1f MiB, limit %.0f MiB%n",
                rss / 1048576.0, workingSet / 1048576.0, limit / 1048576.0);
        assertThat(rss).isPositive().isLessThan(limit);
        assertThat(workingSet).isPositive().isLessThan(limit);
    }

    @org.junit.jupiter.api.AfterEach
    void report() {
        if (lastSeen != null) {
            System.out.println("last seen: " + lastSeen);
        }
    }

    /** The connector's reload counter, read from its /metrics at the pod address (from the operator's namespace). */
    private static double appliedReloads(Pod pod) {
        String metrics = run("ip", "netns", "exec", node.get("OPERATOR_NETNS"), "curl", "-fsS", "--max-time", "5",
                "http://" + pod.getStatus().getPodIP() + ":9090/metrics").stdout();
        Matcher m = APPLIED.matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static String execInConnector(String script) {
        Pod pod = connectorPod();
        String id = pod.getStatus().getContainerStatuses().get(0).getContainerID().replaceFirst("^containerd://", "");
        return run("bash", NODE_SH.toString(), "ctr", "tasks", "exec", "--exec-id",
                "e2e-" + UUID.randomUUID().toString().substring(0, 8), id, "sh", "-c", script).stdout();
    }

    private static List<Pod> connectorPods() {
        return client.pods().inNamespace(ns).withLabel("pinhole.dev/connector", NAME).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private static Pod connectorPod() {
        return await().atMost(WAIT).until(RealNodeE2ETest::connectorPods,
                pods -> pods.size() == 1 && ready(pods.get(0))).get(0);
    }

    private static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getPodIP() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static CommandResult run(String... command) {
        return run(CMD, command);
    }

    private static CommandResult run(Duration timeout, String... command) {
        CommandResult result = NetnsTopology.run(Map.of(), timeout, command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(result.toString());
        }
        return result;
    }

    private static AppConnector awaitConnector(Predicate<AppConnector> until) {
        return await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).alias("AppConnector " + NAME + " status")
                .failFast("the operator exited (log: " + operator.logLocation() + ")", () -> !operator.isAlive())
                .until(() -> {
                    AppConnector c = client.resources(AppConnector.class).inNamespace(ns).withName(NAME).get();
                    lastSeen = ConnectorStatusPoll.describe(c);
                    return c;
                }, c -> c != null && c.getStatus() != null && until.test(c));
    }

    private static Optional<Condition> condition(AppConnector c, String type) {
        return ConnectorStatusPoll.condition(c, type);
    }
}
