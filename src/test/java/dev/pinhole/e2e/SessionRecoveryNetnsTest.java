package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.RootTier;
import dev.pinhole.wireguard.Keys;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session recovery for real: two connector processes with the same key (replicas A and B) in a namespace whose
 * iptables DNAT plays the load balancer, and stock wireguard-go on the laptop pinging the connector's tunnel
 * address every 100 ms. The laptop talks to A; then A is killed (SIGKILL), the DNAT rule is switched to B and
 * the load balancer's connection-tracking entry deleted (what a cloud load balancer does once its health check
 * fails). The laptop is not told: it keeps its endpoint and its session. Measured: seconds from the switch to the
 * first ping answered through B, with session recovery on, and off (the client's own timers, as before).
 *
 * <pre>
 *   laptop (wireguard-go, 100.96.0.2) ──inet 198.19.N.0/30── gw: DNAT :51820 → :51821 (A) | :51822 (B)
 * </pre>
 */
@RootTier(requires = {"wireguard-go", "wg", "iptables", "conntrack", "ping", "curl"})
class SessionRecoveryNetnsTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String TUNNEL_ADDR = "100.96.0.1";
    private static final String CLIENT_ADDR = "100.96.0.2";
    private static final int VIP_PORT = 51820;
    private static final Pattern REPLY = Pattern.compile("^\\[(\\d+\\.\\d+)] \\d+ bytes from .*icmp_seq=(\\d+)");
    /** How long the test waits for the first answer through B; the client's own timers need 15-20 s. */
    private static final Duration MAX_WAIT = Duration.ofSeconds(35);

    private final String prefix = "phr" + Integer.toString(RANDOM.nextInt(36 * 36 * 36 * 36), 36);
    private final String nsLaptop = prefix + "-l";
    private final String nsGw = prefix + "-g";
    private final String wgIf = prefix + "w";
    private final int subnet = RANDOM.nextInt(64) * 4;
    private final String gwAddr = "198.19." + RANDOM.nextInt(256) + "." + (subnet + 1);
    private final String laptopAddr = gwAddr.substring(0, gwAddr.lastIndexOf('.') + 1) + (subnet + 2);
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path dir;
    private Path connectorKey;
    private Path connectorConfig;
    private String connectorPublic;
    private Process replicaA;

    @BeforeEach
    void network() throws Exception {
        sh("ip", "netns", "add", nsLaptop);
        sh("ip", "netns", "add", nsGw);
        sh("ip", "link", "add", "inet", "netns", nsLaptop, "type", "veth", "peer", "name", "inet", "netns", nsGw);
        for (String[] end : new String[][] {{nsLaptop, laptopAddr}, {nsGw, gwAddr}}) {
            sh("ip", "-n", end[0], "addr", "add", end[1] + "/30", "dev", "inet");
            sh("ip", "-n", end[0], "link", "set", "inet", "up");
            sh("ip", "-n", end[0], "link", "set", "lo", "up");
        }
        byte[] key = Keys.generatePrivate();
        connectorKey = dir.resolve("connector.key");
        Files.writeString(connectorKey, Keys.toBase64(key) + "\n");
        connectorPublic = Keys.toBase64(Keys.publicFromPrivate(key));
        byte[] laptopKey = Keys.generatePrivate();
        Path laptopKeyFile = dir.resolve("laptop.key");
        Files.writeString(laptopKeyFile, Keys.toBase64(laptopKey) + "\n");
        connectorConfig = dir.resolve("connector.json");
        Files.writeString(connectorConfig, """
                {
                  "format" : "pinhole.dev/connector-config/v1",
                  "name" : "recovery",
                  "namespace" : "pinhole-e2e",
                  "tunnel" : { "address" : "100.96.0.1/24", "listenPort" : 51820, "mtu" : 1420,
                               "appRange" : "100.80.0.0/12" },
                  "clients" : [ { "name" : "laptop", "publicKey" : "%s", "address" : "%s/32" } ],
                  "domains" : [ ],
                  "routes" : [ ],
                  "egress" : { "elasticIP" : "203.0.113.10", "enforce" : false },
                  "dns" : { "upstream" : [ "%s" ] },
                  "http" : { "port" : 9090 }
                }
                """.formatted(Keys.toBase64(Keys.publicFromPrivate(laptopKey)), CLIENT_ADDR, gwAddr));

        Process wg = start("wireguard-go", dir.resolve("wireguard-go.log"), Map.of(
                "WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD", "1", "LOG_LEVEL", "error"),
                "ip", "netns", "exec", nsLaptop, "wireguard-go", "-f", wgIf);
        waitFor("wireguard-go", Duration.ofSeconds(10), () -> wg.isAlive()
                && Files.exists(Path.of("/var/run/wireguard", wgIf + ".sock"))
                && run("ip", "-n", nsLaptop, "link", "show", wgIf).exitCode() == 0);
        sh("ip", "netns", "exec", nsLaptop, "wg", "set", wgIf, "private-key", laptopKeyFile.toString(),
                "peer", connectorPublic, "endpoint", gwAddr + ":" + VIP_PORT, "allowed-ips", TUNNEL_ADDR + "/32");
        sh("ip", "-n", nsLaptop, "addr", "add", CLIENT_ADDR + "/32", "dev", wgIf);
        sh("ip", "-n", nsLaptop, "link", "set", wgIf, "mtu", "1420", "up");
        sh("ip", "-n", nsLaptop, "route", "add", TUNNEL_ADDR + "/32", "dev", wgIf);
        // The load balancer: the laptop's WireGuard datagrams to the service address go to replica A.
        sh("ip", "netns", "exec", nsGw, "iptables", "-t", "nat", "-A", "PREROUTING", "-i", "inet", "-p", "udp",
                "--dport", Integer.toString(VIP_PORT), "-j", "DNAT", "--to-destination", gwAddr + ":51821");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        run("ip", "netns", "del", nsLaptop);
        run("ip", "netns", "del", nsGw);
        Files.deleteIfExists(Path.of("/var/run/wireguard", wgIf + ".sock"));
    }

    @Test
    void withRecoveryTheSurvivingReplicaAnswersAtOnce() throws Exception {
        double seconds = failOver(true);
        System.out.printf("session recovery on: first ping answered through replica B %.2f s after the switch%n",
                seconds);
        assertThat(metric(9092, "pinhole_connector_session_recoveries_total{outcome=\"started\""))
                .isGreaterThanOrEqualTo(1);
        // A generous functional bound, not the target: the client's own timers would need 15 s or more.
        assertThat(seconds).isLessThan(5);
    }

    @Test
    void withRecoveryOffTheClientsOwnTimersTakeOver() throws Exception {
        double seconds = failOver(false);
        System.out.printf("session recovery off: first ping answered through replica B %.2f s after the switch%n",
                seconds);
        assertThat(metric(9092, "pinhole_connector_session_recoveries_total{outcome=\"started\"")).isZero();
        assertThat(seconds).isGreaterThan(5);
    }

    /** Runs the failover and returns the seconds from the switch to the first reply through B. */
    private double failOver(boolean recovery) throws Exception {
        replicaA = startReplica("a", 51821, 9091, recovery);
        startReplica("b", 51822, 9092, recovery);
        waitFor("replicas ready", Duration.ofSeconds(90), () -> ready(9091) && ready(9092));
        CommandResult first = run("ip", "netns", "exec", nsLaptop, "ping", "-n", "-c", "3", "-i", "0.2", "-W", "3",
                TUNNEL_ADDR);
        assertThat(first.stdout()).as("pings through replica A: %s", first).contains("3 received");

        ConcurrentLinkedQueue<double[]> replies = new ConcurrentLinkedQueue<>();
        Process ping = start("ping", dir.resolve("ping.log"), Map.of(), "ip", "netns", "exec", nsLaptop, "ping",
                "-D", "-n", "-i", "0.1", "-W", "1", "-w", Long.toString(MAX_WAIT.toSeconds() + 5), TUNNEL_ADDR);
        Thread reader = readReplies(ping, replies);
        waitFor("pings through A", Duration.ofSeconds(10), () -> replies.size() >= 5);

        replicaA.destroyForcibly(); // SIGKILL: no goodbye to anyone
        replicaA.waitFor(10, TimeUnit.SECONDS);
        sh("ip", "netns", "exec", nsGw, "iptables", "-t", "nat", "-R", "PREROUTING", "1", "-i", "inet", "-p", "udp",
                "--dport", Integer.toString(VIP_PORT), "-j", "DNAT", "--to-destination", gwAddr + ":51822");
        run("ip", "netns", "exec", nsGw, "conntrack", "-D", "-p", "udp", "--orig-port-dst",
                Integer.toString(VIP_PORT));
        double switched = System.currentTimeMillis() / 1000.0;

        double[] firstThroughB = new double[1];
        waitFor("a ping answered through replica B", MAX_WAIT, () -> {
            for (double[] r : replies) {
                if (r[0] > switched) {
                    firstThroughB[0] = r[0];
                    return true;
                }
            }
            return false;
        });
        ping.destroy();
        reader.join(5000);
        return firstThroughB[0] - switched;
    }

    private Process startReplica(String name, int wgPort, int httpPort, boolean recovery) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return start("replica-" + name, dir.resolve("replica-" + name + ".log"), Map.of(),
                "ip", "netns", "exec", nsGw, java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", cp,
                "dev.pinhole.connector.ConnectorMain", "--config", connectorConfig.toString(),
                "--key", connectorKey.toString(), "--http-port", Integer.toString(httpPort),
                "--listen-port", Integer.toString(wgPort), "--session-recovery=" + (recovery ? "on" : "off"));
    }

    private boolean ready(int httpPort) {
        return run("ip", "netns", "exec", nsGw, "curl", "-sf", "--max-time", "2", "-o", "/dev/null",
                "http://127.0.0.1:" + httpPort + "/readyz").exitCode() == 0;
    }

    /** The value of the first metric line of replica's /metrics starting with {@code series}. */
    private double metric(int httpPort, String series) {
        CommandResult r = run("ip", "netns", "exec", nsGw, "curl", "-sf", "--max-time", "5",
                "http://127.0.0.1:" + httpPort + "/metrics");
        for (String line : r.stdout().split("\n")) {
            if (line.startsWith(series)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + series + " in /metrics: " + r);
    }

    private static Thread readReplies(Process ping, ConcurrentLinkedQueue<double[]> replies) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(ping.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    Matcher m = REPLY.matcher(line);
                    if (m.find()) {
                        replies.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
                    }
                }
            } catch (IOException e) {
                // the process was stopped
            }
        }, "ping-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private Process start(String name, Path log, Map<String, String> env, String... command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(log.toFile());
        if (!"ping".equals(name)) {
            pb.redirectOutput(log.toFile());
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private void waitFor(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                StringBuilder logs = new StringBuilder();
                try (var files = Files.list(dir)) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
                        String text = Files.readString(f);
                        logs.append("\n== ").append(f.getFileName()).append('\n')
                                .append(text.length() > 3000 ? text.substring(text.length() - 3000) : text);
                    }
                }
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + logs);
            }
            Thread.sleep(50);
        }
    }

    private static void sh(String... command) {
        CommandResult r = run(command);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("failed: " + r);
        }
    }

    private static CommandResult run(String... command) {
        return NetnsTopology.run(Map.of(), Duration.ofSeconds(30), command);
    }
}
