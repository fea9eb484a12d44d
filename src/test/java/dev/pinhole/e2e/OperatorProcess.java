package dev.pinhole.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator under test as a local process, run exactly as in production: the packaged jar against
 * {@code KUBECONFIG} (test/cluster's control plane), optionally inside a network namespace.
 */
final class OperatorProcess implements OperatorUnderTest {
    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Map<String, String> env = new LinkedHashMap<>();
    private final Path log;
    private final int httpPort;
    /** The network namespace the process runs in ({@code ip netns exec}); null: this JVM's. */
    private final String netns;
    private Process process;

    private OperatorProcess(String netns, Map<String, String> extraEnv) throws IOException {
        this.netns = netns;
        if (!Files.exists(JAR)) {
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

    private void launch() throws IOException {
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

    /** The operator's HTTP port (health, metrics) on 127.0.0.1 of the namespace it runs in. */
    int httpPort() {
        return httpPort;
    }

    /** The operator's combined stdout and stderr, appended across restarts. */
    Path log() {
        return log;
    }

    /** The local process's PID, for CPU and memory sampling. */
    long pid() {
        return process.pid();
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void restart(KubernetesClient client) throws IOException, InterruptedException {
        stop();
        launch();
    }

    @Override
    public String metrics() throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + httpPort + "/q/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("/q/metrics answered " + response.statusCode());
        }
        return response.body();
    }

    @Override
    public List<String> logLines() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String logLocation() {
        return log.toString();
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
