package dev.pinhole.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator under test, run exactly as in production: the packaged jar as a local process against
 * {@code KUBECONFIG}, or, with {@code PINHOLE_E2E_OPERATOR=in-cluster} (Kind, test/kind/run.sh), the chart's
 * Deployment already running in the cluster.
 */
final class OperatorProcess implements AutoCloseable {
    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final Map<String, String> env = new LinkedHashMap<>();
    private final Path log;
    private final int httpPort;
    /** The network namespace the process runs in ({@code ip netns exec}); null: this JVM's. */
    private final String netns;
    private Process process;

    private OperatorProcess(String netns, Map<String, String> extraEnv) throws IOException {
        this.netns = netns;
        if (!inCluster() && !Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run ./mvnw package -DskipTests first");
        }
        try (ServerSocket s = new ServerSocket(0)) {
            httpPort = s.getLocalPort();  // a free port, so parallel runs don't collide
        }
        // Simulated pods have no real IPs: never probe them unless the caller says otherwise.
        env.put("PINHOLE_OPERATOR_PROBE_CONNECTORS", "false");
        env.put("QUARKUS_HTTP_PORT", String.valueOf(httpPort));
        env.putAll(extraEnv);
        log = Files.createTempFile("pinhole-operator", ".log");
    }

    /** Starts the operator with the default e2e environment plus {@code extraEnv} (which wins). */
    static OperatorProcess start(Map<String, String> extraEnv) throws IOException {
        OperatorProcess operator = new OperatorProcess(null, extraEnv);
        operator.launch();
        return operator;
    }

    /**
     * Starts the operator inside network namespace {@code netns} (root only), e.g. test/netns/cluster-net.sh's,
     * where it reaches the API server through a relay and only the pod addresses a real connector owns.
     */
    static OperatorProcess startInNetworkNamespace(String netns, Map<String, String> extraEnv) throws IOException {
        OperatorProcess operator = new OperatorProcess(netns, extraEnv);
        operator.launch();
        return operator;
    }

    /** Whether the operator runs in-cluster (Kind) rather than as a local process. */
    static boolean inCluster() {
        return "in-cluster".equals(System.getenv("PINHOLE_E2E_OPERATOR"));
    }

    private void launch() throws IOException {
        if (inCluster()) {
            return;
        }
        java.util.List<String> command = new java.util.ArrayList<>();
        if (netns != null) {
            // 'ip netns exec' execs java, so the process is the operator itself (destroy() reaches the JVM).
            command.addAll(java.util.List.of("ip", "netns", "exec", netns));
        }
        command.addAll(java.util.List.of("java", "-jar", JAR.toString()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().merge("PATH", "/usr/sbin:/sbin", (a, b) -> a + ":" + b);
        pb.environment().putAll(env);
        process = pb.start();
    }

    /** The operator's HTTP port (health, metrics) when it runs locally. */
    int httpPort() {
        return httpPort;
    }

    /** The operator's combined stdout and stderr, appended across restarts. */
    Path log() {
        return log;
    }

    /** The local process's PID, for CPU and memory sampling. */
    long pid() {
        if (process == null) {
            throw new IllegalStateException("the operator runs in-cluster; there is no local process");
        }
        return process.pid();
    }

    /** Whether the local process still runs (always true in-cluster, where the Deployment keeps it running). */
    boolean isAlive() {
        return inCluster() || process.isAlive();
    }

    /** Stops the operator gracefully and starts it again (in-cluster: deletes its pod and waits for a new Ready one). */
    void restart(KubernetesClient client) throws IOException, InterruptedException {
        if (inCluster()) {
            client.pods().inNamespace("pinhole-system").withLabel("app.kubernetes.io/name", "pinhole").delete();
            await().atMost(E2ECluster.WAIT).until(() -> client.pods().inNamespace("pinhole-system")
                    .withLabel("app.kubernetes.io/name", "pinhole").list().getItems().stream()
                    .anyMatch(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                            && p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))));
            return;
        }
        stop();
        launch();
    }

    private void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
