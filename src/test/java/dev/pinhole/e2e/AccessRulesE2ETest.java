package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.testing.RootTier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * Access rules with two stock wireguard-go clients in their own namespaces (topology.sh with PH_SECOND_LAPTOP=1)
 * and the Java connector as a plain process: "laptop" is in group sales (crm.app.saas.test and the UDP echo
 * route), "laptop2" in eng (code.app.saas.test). Each reaches only its group's app, by name and by route; the
 * other group's name is REFUSED by DNS and its address is reset; moving laptop to eng ends its running download
 * from crm at once and refuses the name.
 */
@RootTier(requires = {"wireguard-go", "wg", "nginx", "dnsmasq", "curl", "iptables", "socat", "openssl",
        "sha256sum", "getent"})
@Adversarial
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccessRulesE2ETest {
    private static final Duration CMD = Duration.ofSeconds(60);
    private static NetnsTopology topology;

    @BeforeAll
    static void up() throws Exception {
        topology = NetnsTopology.up(NetnsTopology.Gateway.JAVA, NetnsTopology.newPrefix(),
                Map.of("PH_BIG_MB", "20", "PH_SECOND_LAPTOP", "1"));
        String before = digest();
        writeConfig(List.of("sales"));
        awaitApplied(before);
    }

    @AfterAll
    static void down() {
        if (topology != null) {
            topology.close();
        }
    }

    /** The topology's config with laptop in {@code laptopGroups}, laptop2 in eng, and the two rules. */
    private static void writeConfig(List<String> laptopGroups) throws Exception {
        Path file = topology.stateFile("connector.json");
        ConnectorConfig c = ConnectorConfigCodec.read(Files.readString(file));
        List<ConnectorConfig.Client> clients = c.clients().stream().map(k -> new ConnectorConfig.Client(k.name(),
                k.publicKey(), k.address(), k.name().equals("laptop") ? laptopGroups : List.of("eng"))).toList();
        ConnectorConfig withRules = new ConnectorConfig(c.format(), c.name(), c.namespace(), c.tunnel(), clients,
                c.domains(), c.routes(), c.egress(), c.dns(), c.http(), c.network(), c.limits(), List.of(
                        new ConnectorConfig.AccessRule("crm", List.of("sales"), null, List.of("crm.app.saas.test"),
                                List.of(topology.get("SAAS_UDP_IP") + "/32")),
                        new ConnectorConfig.AccessRule("code", List.of("eng"), null,
                                List.of("code.app.saas.test"), null)));
        Files.writeString(file, ConnectorConfigCodec.write(withRules));
    }

    private static CommandResult inLaptop2(String script) {
        return topology.inNamespace(topology.get("NS_LAPTOP2"), CMD, "bash", "-c", script);
    }

    /** curl's HTTP code for {@code host}, or "exit=N" when curl failed (6: not resolved, 7: connection refused). */
    private static String curl(boolean laptop2, String host) {
        String script = "curl -sk --max-time 15 -o /dev/null -w '%{http_code}' https://" + host + "/; echo \" exit=$?\"";
        CommandResult r = laptop2 ? inLaptop2(script) : topology.shellInLaptop(CMD, script);
        String line = r.lastLine();
        return line.endsWith("exit=0") ? line.substring(0, line.indexOf(' ')) : line.substring(line.indexOf("exit="));
    }

    private static String udpEcho(boolean laptop2, String probe) {
        String script = "echo " + probe + " | socat -t 3 - UDP4:" + topology.get("SAAS_UDP_IP") + ":7";
        return (laptop2 ? inLaptop2(script) : topology.shellInLaptop(CMD, script)).stdout().strip();
    }

    @Test
    @Order(1)
    void eachClientReachesOnlyItsGroupsAppByNameAndByRoute() {
        assertThat(curl(false, "crm.app.saas.test")).as("laptop (sales) to crm").isEqualTo("200");
        assertThat(curl(true, "code.app.saas.test")).as("laptop2 (eng) to code").isEqualTo("200");
        assertThat(udpEcho(false, "sales-probe")).as("laptop through the sales route").isEqualTo("sales-probe");

        assertThat(curl(false, "code.app.saas.test")).as("laptop to code: REFUSED by DNS").isEqualTo("exit=6");
        assertThat(curl(true, "crm.app.saas.test")).as("laptop2 to crm: REFUSED by DNS").isEqualTo("exit=6");
        assertThat(udpEcho(true, "eng-probe")).as("laptop2 through the sales route").isEmpty();
        String crm = topology.inLaptop(CMD, "getent", "ahostsv4", "crm.app.saas.test").stdout().strip()
                .split("\\s+")[0];
        CommandResult dialled = inLaptop2("curl -sk --connect-timeout 10 -o /dev/null --resolve crm.app.saas.test:443:"
                + crm + " https://crm.app.saas.test/; echo exit=$?");
        assertThat(dialled.lastLine()).as("laptop2 dials crm's synthetic address %s: reset", crm)
                .isEqualTo("exit=7");
        assertThat(metric("pinhole_connector_drops_total{reason=\"not_granted\"")).isGreaterThanOrEqualTo(1);
        assertThat(metric("pinhole_connector_drops_total{reason=\"dns_not_granted\"")).isGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(2)
    void movingTheLaptopOutOfSalesEndsItsDownloadAndRefusesTheNameAtOnce() throws Exception {
        CompletableFuture<CommandResult> download = CompletableFuture.supplyAsync(() -> topology.shellInLaptop(CMD,
                "curl -sSk --limit-rate 100k --max-time 50 -o /dev/null https://crm.app.saas.test/big.bin;"
                        + " echo exit=$?"));
        awaitMetricAtLeast("pinhole_connector_flows_active", 1);
        String before = digest();

        long changed = System.nanoTime();
        writeConfig(List.of("eng"));
        CommandResult ended = download.get(60, TimeUnit.SECONDS);
        double endedMs = (System.nanoTime() - changed) / 1e6;
        awaitApplied(before);

        // 20 MiB at 100 kB/s takes minutes: only a cut ends it early (not 0: complete, not 28: --max-time).
        assertThat(ended.lastLine()).as(ended.toString()).startsWith("exit=").isNotIn("exit=0", "exit=28");
        assertThat(endedMs).as("ms from the file change to the end of the download").isLessThan(20_000);
        assertThat(curl(false, "crm.app.saas.test")).as("laptop to crm after the change").isEqualTo("exit=6");
        assertThat(curl(false, "code.app.saas.test")).as("laptop to code after the change").isEqualTo("200");
        assertThat(curl(true, "code.app.saas.test")).as("laptop2, untouched").isEqualTo("200");
        System.out.printf("FIGURE wireguard-go: a group change ended the running download %.0f ms after the config"
                + " file changed%n", endedMs);
    }

    private static String status() {
        return topology.inNamespace(topology.get("NS_GW"), CMD, "curl", "-s", "--max-time", "10",
                "http://127.0.0.1:" + topology.get("HTTP_PORT") + "/status").stdout();
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
