package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import dev.pinhole.testing.RootTier;
import dev.pinhole.wireguard.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Config reloads against a stock wireguard-go client and the Java connector as a plain process (the topology of
 * {@link DataPlaneE2ETest}): a removed domain ends a running download and refuses new flows; a config the
 * connector refuses adds no peer (a key it names never completes a handshake), and a later valid config without
 * that key does not admit it either.
 */
@RootTier(requires = {"wireguard-go", "wg", "nginx", "dnsmasq", "curl", "iptables", "socat", "openssl",
        "sha256sum", "getent"})
@Adversarial
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConfigReloadE2ETest {
    private static final Duration CMD = Duration.ofSeconds(60);
    private static NetnsTopology topology;
    private static String original;

    @BeforeAll
    static void up() throws Exception {
        topology = NetnsTopology.up(NetnsTopology.Gateway.JAVA, NetnsTopology.newPrefix(), Map.of("PH_BIG_MB", "20"));
        original = Files.readString(config());
    }

    @AfterAll
    static void down() {
        if (topology != null) {
            topology.close();
        }
    }

    private static Path config() {
        return topology.stateFile("connector.json");
    }

    @Test
    @Order(1)
    void removingTheDomainEndsARunningDownloadAndRefusesNewFlows() throws Exception {
        CommandResult lookup = topology.inLaptop(CMD, "getent", "ahostsv4", "app.saas.test");
        String synthetic = lookup.stdout().strip().split("\\s+")[0];
        CompletableFuture<CommandResult> download = CompletableFuture.supplyAsync(() -> topology.shellInLaptop(CMD,
                "curl -sSk --limit-rate 100k --max-time 50 -o /dev/null https://app.saas.test/big.bin; echo exit=$?"));
        awaitMetricAtLeast("pinhole_connector_flows_active", 1);
        double revokedBefore = metric("pinhole_connector_drops_total{reason=\"revoked\"");

        long changed = System.nanoTime();
        Files.writeString(config(), original.replace("\"*.saas.test\"", "\"other.saas.test\""));
        CommandResult ended = download.get(60, TimeUnit.SECONDS);
        double endedMs = (System.nanoTime() - changed) / 1e6;

        // A 20 MiB file at 100 kB/s takes minutes: only a cut ends it early (not 0: complete, not 28: --max-time).
        assertThat(ended.lastLine()).as(ended.toString()).startsWith("exit=").isNotIn("exit=0", "exit=28");
        assertThat(endedMs).as("ms from the file change to the end of the download").isLessThan(20_000);
        CommandResult again = topology.inLaptop(CMD, "curl", "-sk", "--connect-timeout", "10", "-o", "/dev/null",
                "--resolve", "app.saas.test:443:" + synthetic, "https://app.saas.test/");
        assertThat(again.exitCode()).as("a new flow to the removed name is refused (7): %s", again).isEqualTo(7);
        assertThat(metric("pinhole_connector_drops_total{reason=\"revoked\"")).isGreaterThan(revokedBefore);
        System.out.printf("FIGURE wireguard-go: running download ended %.0f ms after the config file changed%n",
                endedMs);
    }

    @Test
    @Order(2)
    void aRefusedConfigsKeyNeverHandshakesNorAfterALaterValidConfig() throws Exception {
        String before = digest();
        Files.writeString(config(), original);
        awaitApplied(before);
        assertThat(curlApp("20")).as("the laptop works with the original config").isEqualTo("200");

        byte[] intruderKey = Keys.generatePrivate();
        String intruderPub = Keys.toBase64(Keys.publicFromPrivate(intruderKey));
        Path keyFile = topology.stateFile("intruder.key");
        Files.writeString(keyFile, Keys.toBase64(intruderKey) + "\n");
        String refused = original.replace("\"*.saas.test\"", "\"*\"").replace("\"clients\" : [ {",
                "\"clients\" : [ { \"name\" : \"intruder\", \"publicKey\" : \"" + intruderPub
                        + "\", \"address\" : \"100.96.0.3/32\" }, {");
        String inForce = digest();
        Files.writeString(config(), refused);
        awaitStatus("domains[0]");
        assertThat(digest()).as("the digest in force").isEqualTo(inForce);

        double handshakes = metric("pinhole_connector_handshakes_total");
        topology.inLaptop(CMD, "wg", "set", topology.get("WG_LAPTOP"), "private-key", keyFile.toString());
        assertThat(curlApp("12")).as("the refused config's key").isNotEqualTo("200");
        assertThat(metric("pinhole_connector_handshakes_total")).isLessThanOrEqualTo(handshakes);

        Files.writeString(config(), original.replace("\"*.saas.test\"", "\"*.saas.test\", \"extra.test\""));
        awaitApplied(inForce);
        assertThat(curlApp("12")).as("the key after a valid config without it").isNotEqualTo("200");
        assertThat(metric("pinhole_connector_handshakes_total")).isLessThanOrEqualTo(handshakes);

        topology.inLaptop(CMD, "wg", "set", topology.get("WG_LAPTOP"), "private-key",
                topology.stateFile("laptop.key").toString());
        assertThat(curlApp("30")).as("the laptop's own key works again").isEqualTo("200");
    }

    private static String curlApp(String maxTime) {
        CommandResult curl = topology.inLaptop(CMD, "curl", "-sk", "--max-time", maxTime, "-o", "/dev/null", "-w",
                "%{http_code}", "https://app.saas.test/");
        return curl.lastLine();
    }

    private static String status() {
        return topology.inNamespace(topology.get("NS_GW"), CMD, "curl", "-s", "--max-time", "10",
                "http://127.0.0.1:" + topology.get("HTTP_PORT") + "/status").stdout();
    }

    /** Waits up to 15 s for /status to contain {@code text}. */
    private static void awaitStatus(String text) throws InterruptedException {
        String last = "";
        for (int i = 0; i < 150; i++) {
            last = status();
            if (last.contains(text)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("/status never showed " + text + ": " + last);
    }

    /** Waits up to 15 s for a config other than {@code previous} in force with no configError. */
    private static void awaitApplied(String previous) throws InterruptedException {
        for (int i = 0; i < 150; i++) {
            if (!digest().equals(previous) && status().contains("\"configError\" : null")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no new config in force after " + previous + ": " + status());
    }

    private static String digest() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"configDigest\" : \"([0-9a-f]+)\"")
                .matcher(status());
        return m.find() ? m.group(1) : "";
    }

    private static void awaitMetricAtLeast(String prefix, double value) throws InterruptedException {
        for (int i = 0; i < 150 && metric(prefix) < value; i++) {
            Thread.sleep(100);
        }
        assertThat(metric(prefix)).as(prefix).isGreaterThanOrEqualTo(value);
    }

    /** The sum of the connector's series whose line starts with {@code prefix} (0 when absent). */
    private static double metric(String prefix) {
        CommandResult metrics = topology.inNamespace(topology.get("NS_GW"), CMD, "curl", "-s", "--max-time", "10",
                "http://127.0.0.1:" + topology.get("HTTP_PORT") + "/metrics");
        assertThat(metrics.exitCode()).as(metrics.toString()).isZero();
        return metrics.stdout().lines().filter(line -> line.startsWith(prefix) && !line.startsWith("#"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
