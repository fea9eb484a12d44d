package dev.pinhole.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The real kubelet node of test/cluster/node.sh and the chart's operator on it (test/cluster/operator.sh), for the
 * realnode tests: what {@code node.sh env} prints, the chart installed once per JVM (a no-op when the image and the
 * chart are unchanged), and the kubelet's {@code /stats/summary}. Skips without the node unless
 * {@code PINHOLE_REQUIRE_REAL_NODE=1}.
 */
final class RealNode {
    private static final Path NODE_SH = Path.of("test", "cluster", "node.sh");
    private static final Path OPERATOR_SH = Path.of("test", "cluster", "operator.sh");
    /** A cold image build (Maven in the build stage) on a busy 2-core machine, then the operator's rollout. */
    private static final Duration INSTALL = Duration.ofMinutes(20);
    private static final Duration CMD = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static RealNode installed;

    private final Map<String, String> env;
    private final Map<String, String> operator;

    private RealNode(Map<String, String> env, Map<String, String> operator) {
        this.env = env;
        this.operator = operator;
    }

    /** The node with the chart's operator Ready on it, or aborts (skip) / throws (required) without the node. */
    static synchronized RealNode require(Class<?> testClass) {
        if (installed != null) {
            return installed;
        }
        CommandResult result = NetnsTopology.run(Map.of(), Duration.ofSeconds(30), "bash", NODE_SH.toString(), "env");
        if (result.exitCode() != 0) {
            String why = "no real node (test/cluster/node.sh up): " + result.stderr().strip();
            if ("1".equals(System.getenv("PINHOLE_REQUIRE_REAL_NODE"))) {
                throw new IllegalStateException("PINHOLE_REQUIRE_REAL_NODE=1 but " + why);
            }
            System.err.println("SKIPPED " + testClass.getSimpleName() + ": " + why);
            Assumptions.abort(why);
        }
        long started = System.nanoTime();
        CommandResult install = run(INSTALL, "bash", OPERATOR_SH.toString(), "install");
        System.out.printf("operator.sh install (image build when changed, import, helm) in %.1f s%n",
                (System.nanoTime() - started) / 1e9);
        installed = new RealNode(keyValues(result.stdout()), keyValues(install.stdout()));
        return installed;
    }

    private static Map<String, String> keyValues(String text) {
        Map<String, String> values = new HashMap<>();
        for (String line : text.strip().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }

    /** One value {@code node.sh env} printed (e.g. ELASTIC_IP, INET_NETNS, LAPTOP_NETNS). */
    String env(String key) {
        String value = env.get(key);
        if (value == null) {
            throw new IllegalStateException("node.sh env printed no " + key + " (a node started by an older node.sh?)");
        }
        return value;
    }

    String nodeName() {
        return env.get("NODE_NAME");
    }

    String nodeIp() {
        return env.get("NODE_IP");
    }

    /** cluster-net.sh's namespace, linked to the node's: the kubelet's port and the pod addresses are reachable. */
    String operatorNetns() {
        return env.get("OPERATOR_NETNS");
    }

    String operatorNamespace() {
        return operator.get("PINHOLE_E2E_OPERATOR_NAMESPACE");
    }

    String operatorDeployment() {
        return operator.get("PINHOLE_E2E_OPERATOR_DEPLOYMENT");
    }

    String image() {
        return Optional.ofNullable(System.getenv("PINHOLE_IMAGE")).orElse("ghcr.io/pinhole-dev/pinhole:dev");
    }

    /**
     * A container's log as the kubelet wrote it on the node (the API server on the host cannot reach the node's
     * address for {@code kubectl logs}): CRI lines without their timestamp, stream and tag; empty when none yet.
     */
    List<String> podLog(Pod pod, String container) throws IOException {
        Path dir = Path.of(env.get("NODE_DIR"), "pod-logs", pod.getMetadata().getNamespace() + "_"
                + pod.getMetadata().getName() + "_" + pod.getMetadata().getUid(), container);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                Files.readAllLines(f).forEach(l -> lines.add(l.replaceFirst("^\\S+ (stdout|stderr) [PF] ", "")));
            }
        }
        return lines;
    }

    /**
     * socat on the node's internet (PREFIX-inet0, {@code INET_IP}): {@code GET /ip} answers the caller's address, as
     * a SaaS's "what is my IP" page; the caller closes it (the processes and its files in /tmp).
     */
    WhatIsMyIpServer startWhatIsMyIp(int port) throws IOException {
        return WhatIsMyIpServer.start(List.of("ip", "netns", "exec", env("INET_NETNS")), env("INET_IP"), port);
    }

    /** GET http://POD_IP:PORT/PATH from cluster-net.sh's namespace (the API server cannot proxy to the node). */
    String podHttp(String podIp, int port, String path) {
        return run(CMD, "ip", "netns", "exec", operatorNetns(), "curl", "-fsS", "--max-time", "5",
                "http://" + podIp + ":" + port + path).stdout();
    }

    /** {@code node.sh ARGS...}, failing on a non-zero exit. */
    CommandResult nodeSh(String... args) {
        String[] command = new String[args.length + 2];
        command[0] = "bash";
        command[1] = NODE_SH.toString();
        System.arraycopy(args, 0, command, 2, args.length);
        return run(CMD, command);
    }

    /** One container's memory entry of the kubelet's {@code /stats/summary}, if the kubelet lists it yet. */
    Optional<JsonNode> containerMemory(String namespace, String pod, String container) throws IOException {
        Path pki = LocalCluster.stateDir().resolve("pki");
        String summary = run(CMD, "ip", "netns", "exec", operatorNetns(), "curl", "-fsS", "--max-time", "10",
                "-k", "--cert", pki.resolve("apiserver-kubelet-client.crt").toString(),
                "--key", pki.resolve("apiserver-kubelet-client.key").toString(),
                "https://" + nodeIp() + ":10250/stats/summary").stdout();
        for (JsonNode p : JSON.readTree(summary).path("pods")) {
            if (pod.equals(p.path("podRef").path("name").asText())
                    && namespace.equals(p.path("podRef").path("namespace").asText())) {
                for (JsonNode c : p.path("containers")) {
                    if (container.equals(c.path("name").asText())) {
                        return Optional.of(c.path("memory"));
                    }
                }
            }
        }
        return Optional.empty();
    }

    static CommandResult run(Duration timeout, String... command) {
        CommandResult result = NetnsTopology.run(Map.of(), timeout, command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(result.toString());
        }
        return result;
    }
}
