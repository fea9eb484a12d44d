package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.connector.records.FlowRecordsSchema;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.testing.RootTier;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The end-to-end test: a stock wireguard-go client in namespace laptop, the Java connector as a plain
 * process in namespace gw, whose only way out is namespace natgw doing SNAT to the elastic IP 203.0.113.10, and
 * nginx with {@code allow 203.0.113.10; deny all;} plus an authoritative DNS for {@code *.saas.test} in namespace
 * saas. Load and probes run as tools inside laptop ({@code ip netns exec}); the JVM only checks their output.
 */
@RootTier(requires = {"wireguard-go", "wg", "nginx", "dnsmasq", "curl", "iptables", "socat", "openssl",
        "sha256sum", "getent"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataPlaneE2ETest {
    private static final Duration CURL = Duration.ofSeconds(60);
    private static final int CONCURRENT = 200;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static NetnsTopology topology;

    /** Lookups on (off by default) and 2 refusal lines a second, so the flood's bound is tight. */
    static final String RECORDS = "{ \"lookups\" : true, \"refusalsPerSecond\" : 2 }";

    @BeforeAll
    static void up() {
        topology = NetnsTopology.up(NetnsTopology.Gateway.JAVA, NetnsTopology.newPrefix(),
                Map.of("PH_RECORDS", RECORDS));
    }

    @AfterAll
    static void down() {
        if (topology != null) {
            topology.close();
        }
    }

    @Test
    @Order(1)
    void httpsByNameThroughTheConnectorIsAllowedAndSeenFromTheElasticIp() {
        String probe = AccessLog.newProbe();

        CommandResult curl = curlInLaptop("-w", "%{http_code} %{remote_ip}", "https://app.saas.test/?" + probe);

        String[] codeAndAddress = curl.lastLine().split(" ");
        assertThat(codeAndAddress[0]).as(curl.toString()).isEqualTo("200");
        assertThat(Cidr.parse(topology.get("APP_RANGE")).contains(IpAddress.parse(codeAndAddress[1])))
                .as("the connector's DNS answered %s with a synthetic address", codeAndAddress[1]).isTrue();
        assertThat(accessLog().sourcesOf(probe)).containsExactly(topology.get("ELASTIC_IP"));
    }

    @Test
    @Order(2)
    void withoutTheTunnelTheSaasRefusesTheLaptop() {
        String probe = AccessLog.newProbe();

        CommandResult curl = curlInLaptop("-w", "%{http_code}", "--interface", topology.get("LAPTOP_DIRECT"),
                "https://" + topology.get("SAAS_IP") + "/?" + probe);

        assertThat(curl.lastLine()).as(curl.toString()).isEqualTo("403");
        assertThat(accessLog().sourcesOf(probe)).doesNotContain(topology.get("ELASTIC_IP"));
    }

    @Test
    @Order(3)
    void hundredMegabyteDownloadArrivesIntact() throws IOException {
        String expected = Files.readString(topology.stateFile("big.sha256")).strip();

        CommandResult download = topology.shellInLaptop(Duration.ofMinutes(10),
                "set -o pipefail; curl -sSfk --max-time 580 https://app.saas.test/big.bin | sha256sum");

        assertThat(download.exitCode()).as(download.toString()).isZero();
        assertThat(download.stdout().split(" ")[0]).isEqualTo(expected);
    }

    @Test
    @Order(4)
    void twoHundredConcurrentConnectionsAllSucceed() {
        String probe = AccessLog.newProbe();
        List<String> args = new ArrayList<>(List.of("--parallel", "--parallel-immediate", "--parallel-max",
                String.valueOf(CONCURRENT), "--no-keepalive", "--limit-rate", "32k",
                "-w", "%{http_code} %{num_connects} %{size_download}\\n"));
        for (int i = 0; i < CONCURRENT; i++) {
            args.add("-o");
            args.add("/dev/null");
            args.add("https://app.saas.test/medium.bin?" + probe + "-" + i);
        }

        CommandResult curl = curlInLaptop(args.toArray(String[]::new));

        List<String> lines = curl.stdout().strip().lines().toList();
        assertThat(lines).as(curl.toString()).hasSize(CONCURRENT)
                .allSatisfy(line -> assertThat(line).isEqualTo("200 1 " + topology.get("MEDIUM_BYTES")));
        assertThat(accessLog().sourcesOf(probe)).hasSize(CONCURRENT).containsOnly(topology.get("ELASTIC_IP"));
    }

    @Test
    @Order(5)
    void destinationOutsideThePolicyIsRefusedAndCounted() {
        double dropsBefore = connectorMetric("pinhole_connector_drops_total");

        // Inside the client's AllowedIPs (the app range) but never handed out by the connector's DNS.
        CommandResult curl = curlInLaptop("--connect-timeout", "10", "http://" + unmappedAppAddress() + "/");

        assertThat(curl.exitCode()).as("refused (7), not silently dropped (28): %s", curl).isEqualTo(7);
        assertThat(connectorMetric("pinhole_connector_drops_total")).isGreaterThan(dropsBefore);
    }

    @Test
    @Order(6)
    void nameResolvingToTheMetadataAddressIsNeverMapped() {
        assertNameIsRefused("metadata.saas.test", "169.254.169.254");
    }

    @Test
    @Order(6)
    void nameResolvingToLoopbackIsNeverMapped() {
        assertNameIsRefused("loopback.saas.test", "127.0.0.1");
    }

    @Test
    @Order(7)
    void udpRequestGetsItsResponseThroughAStaticRoute() {
        String probe = AccessLog.newProbe();

        CommandResult echo = topology.shellInLaptop(CURL,
                "echo " + probe + " | socat -t 5 - UDP4:" + topology.get("SAAS_UDP_IP") + ":7");

        assertThat(echo.stdout().strip()).as(echo.toString()).isEqualTo(probe);
    }

    @Test
    @Order(8)
    void udpRequestGetsItsResponseThroughASyntheticAddress() {
        String probe = AccessLog.newProbe();

        CommandResult echo = topology.shellInLaptop(CURL, "echo " + probe + " | socat -t 5 - UDP4:udp.saas.test:7");

        assertThat(echo.stdout().strip()).as(echo.toString()).isEqualTo(probe);
    }

    @Test
    @Order(9)
    void killedAndRestartedConnectorServesAgainAfterTheClientsNextHandshake() throws InterruptedException {
        long handshakeBefore = latestHandshake();

        topology.killAndRestartGateway();

        // The client still holds keys the new process never saw; it re-handshakes after REKEY_TIMEOUT when its
        // packets go unanswered (WireGuard 6.2), so retry for well beyond that.
        CommandResult curl = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            curl = curlInLaptop("--max-time", "5", "-w", "%{http_code}", "https://app.saas.test/");
            if ("200".equals(curl.lastLine())) {
                break;
            }
            Thread.sleep(1000);
        }
        assertThat(curl.lastLine()).as(String.valueOf(curl)).isEqualTo("200");
        assertThat(latestHandshake()).isGreaterThan(handshakeBefore);
    }

    @Test
    @Order(8)
    void aRequestThroughTheTunnelWritesExactlyOneFlowRecordWithWhatCurlMoved() throws Exception {
        String probe = AccessLog.newProbe();

        CommandResult curl = curlInLaptop("-w", "%{http_code} %{local_port} %{size_download} %{size_header}"
                + " %{size_request}", "https://app.saas.test/medium.bin?" + probe);

        String[] w = curl.lastLine().split(" ");
        assertThat(w[0]).as(curl.toString()).isEqualTo("200");
        int localPort = Integer.parseInt(w[1]);
        long received = Long.parseLong(w[2]) + Long.parseLong(w[3]);
        long sent = Long.parseLong(w[4]);
        List<JsonNode> flows = awaitRecords(r -> r.path("record").asText().equals("flow")
                && r.path("clientPort").asInt() == localPort, 1);
        Thread.sleep(500);
        flows = records(r -> r.path("record").asText().equals("flow") && r.path("clientPort").asInt() == localPort);
        assertThat(flows).as("one flow record for curl's connection from port %s", localPort).hasSize(1);
        JsonNode f = flows.get(0);
        assertThat(f.get("client").asText()).isEqualTo("laptop");
        assertThat(f.get("clientKey").asText())
                .isEqualTo(Files.readString(topology.stateFile("laptop.pub")).strip());
        assertThat(f.get("clientEndpoint").asText()).startsWith(topology.get("LAPTOP_INET") + ":");
        assertThat(f.get("appName").asText()).isEqualTo("app.saas.test");
        assertThat(f.get("appPattern").asText()).isEqualTo("*.saas.test");
        assertThat(f.get("destinationPort").asInt()).isEqualTo(443);
        assertThat(f.get("realAddress").asText()).isEqualTo(topology.get("SAAS_IP"));
        // curl closes first: a FIN, or a RST when TLS data it did not read (a session ticket) was still queued.
        assertThat(f.get("end").asText()).isIn("fin", "rst");
        // TLS around curl's bytes: the handshake (certificate) and record headers, a few KiB at most.
        assertThat(f.get("bytesToClient").asLong()).isBetween(received, received + 16_384);
        assertThat(f.get("bytesFromClient").asLong()).isBetween(sent, sent + 8_192);
        assertThat(f.get("packetsToClient").asLong()).isGreaterThan(Long.parseLong(topology.get("MEDIUM_BYTES"))
                / 1_500);
    }

    @Test
    @Order(8)
    void aRefusedDestinationWritesARefusalRecord() throws Exception {
        CommandResult curl = curlInLaptop("--connect-timeout", "10", "http://" + unmappedAppAddress() + ":8443/");

        assertThat(curl.exitCode()).as(curl.toString()).isEqualTo(7);
        List<JsonNode> refusals = awaitRecords(r -> r.path("record").asText().equals("refusal")
                && r.path("destinationPort").asInt() == 8443, 1);
        assertThat(refusals).hasSize(1);
        assertThat(refusals.get(0).get("client").asText()).isEqualTo("laptop");
        assertThat(refusals.get(0).get("reason").asText()).isEqualTo("not_mapped");
        assertThat(refusals.get(0).get("destination").asText()).isEqualTo(unmappedAppAddress());
    }

    @Test
    @Order(8)
    void aLookupWritesALookupRecordWithTheSyntheticAndRealAddresses() throws Exception {
        CommandResult lookup = topology.inLaptop(CURL, "getent", "ahostsv4", "app.saas.test");

        assertThat(lookup.exitCode()).as(lookup.toString()).isZero();
        String synthetic = lookup.stdout().strip().split("\\s+")[0];
        List<JsonNode> lookups = awaitRecords(r -> r.path("record").asText().equals("lookup")
                && r.path("name").asText().equals("app.saas.test") && r.path("type").asText().equals("A"), 1);
        assertThat(lookups).isNotEmpty();
        JsonNode l = lookups.get(lookups.size() - 1);
        assertThat(l.get("answer").asText()).isEqualTo("synthetic");
        assertThat(l.get("synthetic").get(0).asText()).isEqualTo(synthetic);
        assertThat(l.get("real").get(0).asText()).isEqualTo(topology.get("SAAS_IP"));
    }

    @Test
    @Order(8)
    void aFloodOfRefusedConnectionsWritesAtMostTheConfiguredRate() throws Exception {
        int flood = 600;
        double refusedBefore = connectorSeries("pinhole_connector_drops_total{reason=\"not_mapped\"");
        double rateLimitedBefore = connectorSeries("pinhole_connector_records_dropped_total{kind=\"refusal\","
                + "reason=\"rate_limited\"");
        long started = System.nanoTime();

        // Bash's /dev/tcp: one SYN per port, each answered with a RST at once.
        CommandResult scan = topology.shellInLaptop(Duration.ofMinutes(2), "for p in $(seq 20001 " + (20000 + flood)
                + "); do (exec 3<>/dev/tcp/" + unmappedAppAddress() + "/$p) 2>/dev/null; done; true");
        double seconds = (System.nanoTime() - started) / 1e9;
        Thread.sleep(1_000);

        assertThat(scan.exitCode()).as(scan.toString()).isZero();
        List<JsonNode> written = records(r -> r.path("record").asText().equals("refusal")
                && r.path("destinationPort").asInt() > 20_000 && r.path("destinationPort").asInt() <= 20_000 + flood);
        // Burst 10, then 2 a second while the scan ran (plus the second waited after it).
        assertThat(written.size()).as("refusal lines for %s refused connections in %.1f s", flood, seconds)
                .isBetween(1, 10 + (int) Math.ceil((seconds + 1) * 2) + 1);
        double rateLimited = connectorSeries("pinhole_connector_records_dropped_total{kind=\"refusal\","
                + "reason=\"rate_limited\"") - rateLimitedBefore;
        double refused = connectorSeries("pinhole_connector_drops_total{reason=\"not_mapped\"") - refusedBefore;
        assertThat(refused).as("every SYN refused (retransmissions too)").isGreaterThanOrEqualTo(flood);
        assertThat(rateLimited + written.size()).as("every refusal written or counted").isEqualTo(refused);
    }

    @Test
    @Order(8)
    void everyRecordTheConnectorWroteMatchesTheDocumentedSchema() throws Exception {
        FlowRecordsSchema schema = FlowRecordsSchema.read();
        List<JsonNode> all = records(r -> true);

        assertThat(all).extracting(r -> r.path("record").asText()).contains("flow", "refusal", "lookup");
        for (JsonNode r : all) {
            assertThat(schema.problems(r)).as("%s", r).isEmpty();
        }
    }

    /** Records on the connector's standard output (connector.log holds both streams; records are whole lines). */
    private static List<JsonNode> records(Predicate<JsonNode> which) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(topology.stateFile("connector.log"))) {
            if (line.startsWith("{\"record\":")) {
                JsonNode r = JSON.readTree(line);
                if (which.test(r)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    private static List<JsonNode> awaitRecords(Predicate<JsonNode> which, int n) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<JsonNode> found = records(which);
        while (found.size() < n && System.nanoTime() < end) {
            Thread.sleep(100);
            found = records(which);
        }
        return found;
    }

    /** The upstream answers {@code name} with {@code forbidden}; the laptop must get neither it nor a way in. */
    private static void assertNameIsRefused(String name, String forbidden) {
        double refusedBefore = connectorMetric("pinhole_connector_dns_refused_total");

        CommandResult lookup = topology.inLaptop(CURL, "getent", "ahostsv4", name);
        CommandResult curl = curlInLaptop("--connect-timeout", "10", "-w", "%{http_code}", "http://" + name + "/");

        assertThat(lookup.stdout()).as(lookup.toString()).doesNotContain(forbidden);
        assertThat(curl.exitCode()).as(curl.toString()).isNotZero();
        assertThat(curl.lastLine()).isNotEqualTo("200");
        assertThat(connectorMetric("pinhole_connector_dns_refused_total")).isGreaterThan(refusedBefore);
    }

    private static CommandResult curlInLaptop(String... args) {
        List<String> command = new ArrayList<>(List.of("curl", "-sk", "--max-time", "50", "-o", "/dev/null"));
        command.addAll(Arrays.asList(args));
        return topology.inLaptop(CURL, command.toArray(String[]::new));
    }

    /** The last usable address of the app range: a synthetic address no DNS answer of this test hands out. */
    private static String unmappedAppAddress() {
        return topology.get("UNMAPPED_APP_ADDRESS");
    }

    /** Unix seconds of the laptop's latest handshake with the gateway (0 before the first). */
    private static long latestHandshake() {
        CommandResult wg = topology.inLaptop(CURL, "wg", "show", topology.get("WG_LAPTOP"), "latest-handshakes");
        String[] fields = wg.stdout().strip().split("\\s+");
        assertThat(fields).as(wg.toString()).hasSize(2);
        return Long.parseLong(fields[1]);
    }

    /** The sum over all label sets of a counter on the connector's /metrics (0 when absent). */
    private static double connectorMetric(String name) {
        CommandResult metrics = topology.inNamespace(topology.get("NS_GW"), CURL, "curl", "-s", "--max-time", "10",
                "http://127.0.0.1:" + topology.get("HTTP_PORT") + "/metrics");
        assertThat(metrics.exitCode()).as(metrics.toString()).isZero();
        return metrics.stdout().lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** The sum of the connector's series whose line starts with {@code prefix} (a name and leading labels). */
    private static double connectorSeries(String prefix) {
        CommandResult metrics = topology.inNamespace(topology.get("NS_GW"), CURL, "curl", "-s", "--max-time", "10",
                "http://127.0.0.1:" + topology.get("HTTP_PORT") + "/metrics");
        assertThat(metrics.exitCode()).as(metrics.toString()).isZero();
        return metrics.stdout().lines().filter(line -> line.startsWith(prefix))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static AccessLog accessLog() {
        return new AccessLog(topology.stateFile("nginx-access.log"));
    }
}
