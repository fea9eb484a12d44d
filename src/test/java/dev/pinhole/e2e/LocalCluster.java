package dev.pinhole.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The control plane {@code test/cluster/up.sh} runs on this machine, when it is the cluster the tests talk to:
 * its state dir ({@code PINHOLE_CLUSTER_DIR}, default {@code /tmp/pinhole-cluster}, as in the scripts) holds the
 * marker and an admin kubeconfig for the same API server. Only then may a test restart its components or read
 * its audit log; Kind or any other cluster is not one.
 */
final class LocalCluster {
    private static final String MARKER = ".pinhole-cluster";
    private static final Path RESTART = Path.of("test", "cluster", "restart.sh");

    private final Path dir;

    private LocalCluster(Path dir) {
        this.dir = dir;
    }

    static Path stateDir() {
        String env = System.getenv("PINHOLE_CLUSTER_DIR");
        return Path.of(env == null || env.isBlank() ? "/tmp/pinhole-cluster" : env);
    }

    /** The local cluster {@code client} talks to, or empty when the state dir describes no cluster or another one. */
    static Optional<LocalCluster> of(KubernetesClient client) throws IOException {
        Path dir = stateDir();
        Path kubeconfig = dir.resolve("kubeconfig");
        if (!Files.exists(dir.resolve(MARKER)) || !Files.isReadable(kubeconfig)) {
            return Optional.empty();
        }
        Config local = Config.fromKubeconfig(Files.readString(kubeconfig, StandardCharsets.UTF_8));
        return sameServer(local.getMasterUrl(), client.getConfiguration().getMasterUrl())
                ? Optional.of(new LocalCluster(dir)) : Optional.empty();
    }

    private static boolean sameServer(String a, String b) {
        URI x = URI.create(a);
        URI y = URI.create(b);
        return x.getHost().equals(y.getHost()) && x.getPort() == y.getPort();
    }

    /** Why {@link #of} found nothing, for the SKIPPED line. */
    static String whyNotLocal() {
        return "KUBECONFIG is not the local cluster in " + stateDir()
                + " (PINHOLE_CLUSTER_DIR; started by test/cluster/up.sh)";
    }

    Path dir() {
        return dir;
    }

    /** The API server's audit log, when this cluster was started with one (up.sh does). */
    Optional<AuditLog> auditLog() {
        Path log = dir.resolve("logs").resolve("audit.log");
        return Files.exists(log) ? Optional.of(new AuditLog(log)) : Optional.empty();
    }

    /** Whether up.sh started the API server with {@code plugin} among its {@code --enable-admission-plugins}. */
    boolean admissionPluginEnabled(String plugin) throws IOException {
        Path cmd = dir.resolve("cmd").resolve("kube-apiserver");
        if (!Files.exists(cmd)) {
            return false;
        }
        String prefix = "--enable-admission-plugins=";
        return java.util.Arrays.stream(Files.readString(cmd).split("\0")).filter(a -> a.startsWith(prefix))
                .flatMap(a -> java.util.Arrays.stream(a.substring(prefix.length()).split(",")))
                .anyMatch(plugin::equals);
    }

    /** Whether restart.sh can restart {@code component}: up.sh recorded its command line. */
    boolean canRestart(String component) {
        return Files.exists(dir.resolve("cmd").resolve(component));
    }

    /**
     * Restarts {@code component} with {@code test/cluster/restart.sh} (same flags and state) and returns once it
     * is healthy again; throws with the script's output when it fails.
     */
    void restart(String component) throws IOException, InterruptedException {
        Path out = Files.createTempFile("pinhole-restart", ".log");
        ProcessBuilder pb = new ProcessBuilder(List.of("bash", RESTART.toString(), component))
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("PINHOLE_CLUSTER_DIR", dir.toString());
        Process p = pb.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("restart.sh " + component + " timed out:\n" + Files.readString(out));
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("restart.sh " + component + " failed:\n" + Files.readString(out));
        }
        System.out.print(Files.readString(out));
    }
}
