package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.RootTier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What test/cluster/node.sh's {@code down} and {@code laptop-down} remove: only what this node made. No node runs
 * here: each test gives node.sh a prefix, node name and state dir of its own, so another node on the machine (same
 * default name, other prefix) is never touched, and the {@code /var/run/wireguard} cases run in a private mount
 * namespace with a tmpfs on /run, so the host's directory (other wireguard-go instances' sockets) stays as it is.
 */
@RootTier(requires = {"wireguard-go", "wg", "unshare"})
class NodeShCleanupTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Path NODE_SH = Path.of("test", "cluster", "node.sh").toAbsolutePath();
    private static final Duration CMD = Duration.ofMinutes(1);

    /** Short: node.sh names the laptop's WireGuard interface PREFIX-wl0 (15 characters at most). */
    private final String prefix = "t13" + Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36);
    private final List<Process> processes = new ArrayList<>();
    private final List<String> namespaces = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (String ns : namespaces) {
            NetnsTopology.run(Map.of(), CMD, "ip", "netns", "del", ns);
        }
    }

    /** node.sh's environment: this test's prefix, node name, cluster dir (none) and node state dir. */
    private Map<String, String> env(Path nodeDir) {
        return Map.of("PH_PREFIX", prefix, "PINHOLE_NODE_NAME", prefix + "-node",
                "PINHOLE_CLUSTER_DIR", dir.resolve("cluster").toString(), "PINHOLE_NODE_DIR", nodeDir.toString());
    }

    private CommandResult nodeSh(Path nodeDir, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", NODE_SH.toString()));
        command.addAll(List.of(args));
        return NetnsTopology.run(env(nodeDir), CMD, command.toArray(String[]::new));
    }

    @Test
    void downWithoutThisNodesStateLeavesSameNamedNamespacesAndWhatRunsThereAlone() throws IOException {
        for (String suffix : List.of("-laptop0", "-inet0", "-natgw0")) {
            String ns = prefix + suffix;
            assertThat(NetnsTopology.run(Map.of(), CMD, "ip", "netns", "add", ns).exitCode()).isZero();
            namespaces.add(ns);
        }
        Process app = new ProcessBuilder("ip", "netns", "exec", prefix + "-inet0", "sleep", "300").start();
        processes.add(app);

        CommandResult down = nodeSh(dir.resolve("no-node"), "down");

        assertThat(down.exitCode()).as(down.toString()).isZero();
        assertThat(NetnsTopology.run(Map.of(), CMD, "ip", "netns", "list").stdout())
                .contains(prefix + "-laptop0", prefix + "-inet0", prefix + "-natgw0");
        assertThat(app.isAlive()).as("a process in a namespace node.sh did not make").isTrue();
    }

    @Test
    void laptopDownKillsAWireGuardGoThatIgnoresTerm() throws IOException, InterruptedException {
        Path node = nodeDir();
        Process stubborn = new ProcessBuilder("bash", "-c", "trap '' TERM; while :; do sleep 0.2; done").start();
        processes.add(stubborn);
        String exe = Path.of("/proc", Long.toString(stubborn.pid()), "exe").toRealPath().toString();
        Files.writeString(node.resolve("pids/laptop-wg.pid"), stubborn.pid() + " " + exe + "\n");

        CommandResult down = nodeSh(node, "laptop-down");

        assertThat(down.exitCode()).as(down.toString()).isZero();
        assertThat(stubborn.waitFor(5, TimeUnit.SECONDS)).as("killed after ignoring SIGTERM").isTrue();
        assertThat(down.stderr()).contains("ignored SIGTERM");
    }

    @Test
    void laptopDownRemovesTheWireGuardSocketDirectoryWhenNodeShMadeIt() throws IOException {
        CommandResult r = laptopUpAndDownInPrivateRun(false);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("while up: socket", "after: no /run/wireguard");
    }

    @Test
    void laptopDownKeepsAWireGuardSocketDirectoryThatExistedBefore() throws IOException {
        CommandResult r = laptopUpAndDownInPrivateRun(true);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("while up: socket", "after: /run/wireguard kept");
    }

    /**
     * node.sh laptop then laptop-down, in a private mount namespace whose /run is a fresh tmpfs (so its own netns
     * mounts and /run/wireguard are invisible to the host and vanish with it); prints what /run/wireguard held.
     */
    private CommandResult laptopUpAndDownInPrivateRun(boolean wireguardDirBefore) throws IOException {
        Path node = nodeDir();
        String ns = prefix + "-laptop0";
        Path conf = dir.resolve("laptop.conf");
        String key = NetnsTopology.run(Map.of(), CMD, "wg", "genkey").stdout().strip();
        String peer = NetnsTopology.run(Map.of(), CMD, "bash", "-c", "wg genkey | wg pubkey").stdout().strip();
        Files.writeString(conf, """
                [Interface]
                PrivateKey = %s
                Address = 100.64.13.2/32
                [Peer]
                PublicKey = %s
                AllowedIPs = 100.64.13.1/32
                """.formatted(key, peer));
        String script = String.join("\n",
                "set -e",
                "mount -t tmpfs tmpfs /run",
                wireguardDirBefore ? "mkdir -p /run/wireguard" : ":",
                "ip netns add " + ns,
                // Whatever fails, wireguard-go must not outlive the run (it would be reparented, out of reach).
                "trap 'bash " + NODE_SH + " laptop-down >/dev/null 2>&1; ip netns del " + ns + " 2>/dev/null || true' EXIT",
                "bash " + NODE_SH + " laptop " + conf,
                "[ -S /run/wireguard/" + prefix + "-wl0.sock ] && echo 'while up: socket'",
                "bash " + NODE_SH + " laptop-down",
                "if [ -e /run/wireguard ]; then echo 'after: /run/wireguard kept'; else echo 'after: no /run/wireguard'; fi");
        return NetnsTopology.run(env(node), CMD, "unshare", "--mount", "--propagation", "private", "bash", "-c",
                script);
    }

    /** A node state dir as node.sh up leaves it, as far as the laptop commands read it. */
    private Path nodeDir() throws IOException {
        Path node = dir.resolve("node");
        Files.createDirectories(node.resolve("pids"));
        Files.createDirectories(node.resolve("logs"));
        Files.createFile(node.resolve(".pinhole-node"));
        return node;
    }
}
