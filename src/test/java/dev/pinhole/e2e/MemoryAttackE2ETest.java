package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.testing.RootTier;
import dev.pinhole.wireguard.Keys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, hole 3, tried as the issue tried it: client A opens hundreds of downloads it never reads while client
 * B downloads 100 MiB, through real wireguard-go peers into a connector JVM run as production runs it
 * ({@code -Xmx128m -XX:+ExitOnOutOfMemoryError}, the operator's flags with the default pod's heap). The connector
 * must not exit, its heap must stay under its size with the buffers under their budget, and B must keep at least
 * 90% of the throughput it had without the attack.
 */
@RootTier(requires = {"wireguard-go", "wg", "nginx", "dnsmasq", "curl", "iptables", "openssl", "python3",
        "getent"})
@Adversarial
class MemoryAttackE2ETest {
    static final int STALLED_DOWNLOADS = 850;
    static final String CLIENT_B = "100.96.0.3";
    static final long HEAP_BYTES = 128L << 20;
    static final long BUFFER_BUDGET = ConnectorConfig.Limits.DEFAULTS.bufferBytes().total();
    private static NetnsTopology topology;
    private static Path work;
    private static String laptopB;
    private static Process wireguardB;
    private static String prefix;

    @BeforeAll
    static void up() throws Exception {
        work = Files.createTempDirectory("pinhole-memory-attack");
        byte[] gwKey = Keys.generatePrivate();
        byte[] aKey = Keys.generatePrivate();
        byte[] bKey = Keys.generatePrivate();
        String gwPub = Keys.toBase64(Keys.publicFromPrivate(gwKey));
        ConnectorConfig config = new ConnectorConfig(ConnectorConfig.FORMAT, "e2e", "pinhole-e2e",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("laptop", Keys.toBase64(Keys.publicFromPrivate(aKey)),
                                "100.96.0.2/32"),
                        new ConnectorConfig.Client("laptop-b", Keys.toBase64(Keys.publicFromPrivate(bKey)),
                                CLIENT_B + "/32")),
                List.of("*.saas.test"), List.of("203.0.113.21/32"),
                new ConnectorConfig.Egress("203.0.113.10", "http://203.0.113.20/ip", true),
                new ConnectorConfig.Dns(List.of("203.0.113.20")), new ConnectorConfig.Http(9090));
        Path configFile = write("connector.json", ConnectorConfigCodec.write(config));
        Path keyFile = write("gw.key", Keys.toBase64(gwKey) + "\n");
        Path clientConf = write("client.conf", """
                [Interface]
                PrivateKey = %s
                Address = 100.96.0.2/32
                DNS = 100.96.0.1
                MTU = 1420

                [Peer]
                PublicKey = %s
                Endpoint = 198.18.0.1:51820
                AllowedIPs = 100.80.0.0/12, 100.96.0.1/32
                PersistentKeepalive = 25
                """.formatted(Keys.toBase64(aKey), gwPub));
        write("b.key", Keys.toBase64(bKey) + "\n");
        prefix = NetnsTopology.newPrefix();
        topology = NetnsTopology.up(NetnsTopology.Gateway.JAVA, prefix, Map.of(
                "PH_CONNECTOR_CONFIG", configFile.toString(), "PH_CONNECTOR_KEY", keyFile.toString(),
                "PH_CLIENT_CONF", clientConf.toString(),
                "PH_JAVA_OPTS", "-Xmx128m -XX:+ExitOnOutOfMemoryError"));
        startClientB(gwPub);
    }

    private static Path write(String name, String content) throws IOException {
        Path p = work.resolve(name);
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    /** A second wireguard-go peer in the laptop namespace; traffic from its address is routed through it. */
    private static void startClientB(String gwPub) throws Exception {
        String ns = topology.get("NS_LAPTOP");
        laptopB = prefix + "-wb";
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", ns, "wireguard-go", "-f", laptopB)
                .redirectErrorStream(true).redirectOutput(work.resolve("wg-b.log").toFile());
        pb.environment().put("WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD", "1");
        pb.environment().put("LOG_LEVEL", "error");
        wireguardB = pb.start();
        for (int i = 0; i < 100 && !Files.exists(Path.of("/var/run/wireguard", laptopB + ".sock")); i++) {
            Thread.sleep(100);
        }
        Duration t = Duration.ofSeconds(20);
        ok(topology.inNamespace(ns, t, "wg", "set", laptopB, "private-key", work.resolve("b.key").toString(),
                "peer", gwPub, "endpoint", "198.18.0.1:51820", "allowed-ips", "100.80.0.0/12",
                "persistent-keepalive", "25"));
        ok(topology.inNamespace(ns, t, "ip", "addr", "add", CLIENT_B + "/32", "dev", laptopB));
        ok(topology.inNamespace(ns, t, "ip", "link", "set", laptopB, "mtu", "1420", "up"));
        ok(topology.inNamespace(ns, t, "ip", "rule", "add", "from", CLIENT_B, "lookup", "103", "priority", "90"));
        ok(topology.inNamespace(ns, t, "ip", "route", "add", "100.80.0.0/12", "dev", laptopB, "table", "103"));
    }

    private static CommandResult ok(CommandResult r) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    @AfterAll
    static void down() throws Exception {
        if (wireguardB != null) {
            wireguardB.destroy();
            wireguardB.waitFor(5, TimeUnit.SECONDS);
        }
        if (topology != null) {
            topology.close();
        }
    }

    /** Client B's download of the 100 MiB file: bytes per second, or 0 when it failed. */
    private static double downloadB() {
        CommandResult r = topology.inLaptop(Duration.ofSeconds(200), "curl", "-s", "-o", "/dev/null",
                "--interface", CLIENT_B, "--max-time", "180", "-w", "%{http_code} %{size_download} %{speed_download}",
                "http://app.saas.test/big.bin");
        String[] f = r.lastLine().split(" ");
        System.out.println("client B download: " + r.lastLine() + " (exit " + r.exitCode() + ")");
        if (f.length < 3 || !"200".equals(f[0]) || Long.parseLong(f[1]) < 100L << 20) {
            return 0;
        }
        return Double.parseDouble(f[2]);
    }

    /** The connector's heap in use and its budgeted buffer bytes, from its own /metrics. */
    private static long[] heapAndBuffers() {
        CommandResult r = topology.inNamespace(topology.get("NS_GW"), Duration.ofSeconds(15), "curl", "-s",
                "--max-time", "10", "http://127.0.0.1:9090/metrics");
        long heap = 0;
        long buffers = -1;
        for (String line : r.stdout().lines().toList()) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                heap += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
            if (line.startsWith("pinhole_connector_budget_used{") && line.contains("resource=\"buffer_bytes\"")) {
                buffers = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return new long[] {heap, buffers};
    }

    private static boolean connectorAlive() throws IOException {
        long pid = Long.parseLong(Files.readString(topology.stateFile("connector.pid")).strip());
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void stalledDownloadsOfOneClientNeitherKillTheConnectorNorStarveAnotherClient() throws Exception {
        double unattacked = Math.max(downloadB(), downloadB());

        Path script = work.resolve("stall.py");
        Files.writeString(script, """
                import socket, sys, time
                host = socket.gethostbyname("app.saas.test")
                socks = []
                for i in range(int(sys.argv[1])):
                    s = socket.socket()
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                    s.settimeout(20)
                    try:
                        s.connect((host, 80))
                        s.sendall(b"GET /big.bin HTTP/1.1\\r\\nHost: app.saas.test\\r\\n\\r\\n")
                        socks.append(s)
                    except OSError as e:
                        print("connect", i, e, flush=True)
                print("stalled", len(socks), flush=True)
                time.sleep(float(sys.argv[2]))
                """);
        Process attack = new ProcessBuilder("ip", "netns", "exec", topology.get("NS_LAPTOP"), "python3",
                script.toString(), String.valueOf(STALLED_DOWNLOADS), "600")
                .redirectErrorStream(true).redirectOutput(work.resolve("attack.log").toFile()).start();
        long maxHeap = 0;
        long maxBuffers = 0;
        double attacked;
        try {
            for (int i = 0; i < 120 && !Files.readString(work.resolve("attack.log")).contains("stalled"); i++) {
                Thread.sleep(500);
            }
            Thread.sleep(3_000); // the servers fill what the connector lets them fill
            for (int i = 0; i < 5; i++) {
                long[] m = heapAndBuffers();
                maxHeap = Math.max(maxHeap, m[0]);
                maxBuffers = Math.max(maxBuffers, m[1]);
                Thread.sleep(500);
            }
            attacked = Math.max(downloadB(), downloadB());
            long[] m = heapAndBuffers();
            maxHeap = Math.max(maxHeap, m[0]);
            maxBuffers = Math.max(maxBuffers, m[1]);
        } finally {
            attack.destroy();
            attack.waitFor(10, TimeUnit.SECONDS);
        }
        String attackLog = Files.readString(work.resolve("attack.log"));
        System.out.printf("memory attack: %s; connector heap max %.1f MiB of %d MiB (-Xmx), buffered bytes max"
                        + " %.1f MiB (budget %d MiB); client B %.1f MB/s unattacked, %.1f MB/s attacked (%.0f%%)%n",
                attackLog.lines().filter(l -> l.startsWith("stalled")).findFirst().orElse("no report"),
                maxHeap / 1048576.0, HEAP_BYTES >> 20, maxBuffers / 1048576.0, BUFFER_BUDGET >> 20,
                unattacked / 1e6, attacked / 1e6, 100 * attacked / unattacked);

        assertThat(connectorAlive()).as("the connector process is still running").isTrue();
        assertThat(attackLog).contains("stalled " + STALLED_DOWNLOADS);
        assertThat(maxBuffers).as("buffered bytes").isPositive().isLessThanOrEqualTo(BUFFER_BUDGET);
        assertThat(maxHeap).as("heap in use").isLessThan(HEAP_BYTES);
        assertThat(attacked).as("client B's throughput under attack vs without")
                .isGreaterThanOrEqualTo(0.9 * unattacked);
    }
}
