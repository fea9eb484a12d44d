package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.pinhole.connector.WireGuardTestClient.TcpConnection;
import dev.pinhole.connector.WireGuardTestClient.TcpOutcome;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.connector.records.FlowRecordsSchema;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsMessageDecoder;
import dev.pinhole.dns.message.DnsMessageEncoder;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.message.DnsQuestion;
import dev.pinhole.dns.message.DnsRecord;
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.dns.resolver.UpstreamDnsClient;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Keys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records from the whole data plane in one JVM (real UDP on 127.0.0.1, a second WireGuard tunnel as the laptop, a
 * real HTTP server): one flow record per request with the client, name, destination and the exact bytes, refusals
 * at a bounded rate, lookups, settings applied by a reload. Every captured line is checked against
 * docs/flow-records.md.
 */
class FlowRecordsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final byte[] TUNNEL_ADDRESS = {100, 96, 0, 1};
    static final byte[] NO_ROUTE = {(byte) 198, 51, 100, 7};

    /** What the connector wrote on its standard output, line by line. */
    static final class CapturedLines extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
        }

        synchronized List<JsonNode> records() throws Exception {
            List<JsonNode> out = new ArrayList<>();
            String text = bytes.toString(StandardCharsets.UTF_8);
            assertThat(text.isEmpty() || text.endsWith("\n")).as("whole lines only").isTrue();
            for (String line : text.lines().toList()) {
                out.add(JSON.readTree(line));
            }
            return out;
        }
    }

    @TempDir
    Path dir;
    HttpServer http;
    TestDnsUpstream upstream;
    UpstreamDnsClient upstreamClient;
    WireGuardTestClient client;
    DataPlane dataPlane;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CapturedLines out = new CapturedLines();
    String connectorKey = Keys.toBase64(Keys.generatePrivate());
    final byte[] body = "hello through the tunnel, recorded\n".repeat(40).getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void servers() throws Exception {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.createContext("/", ex -> {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        upstream = new TestDnsUpstream(Map.of("app.example.test", InetAddress.getLoopbackAddress()));
        upstreamClient = new UpstreamDnsClient(List.of(upstream.address()), Duration.ofSeconds(2), 2,
                Ticker.system());
        client = new WireGuardTestClient("100.96.0.2");
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (dataPlane != null) {
            dataPlane.close();
        }
        upstreamClient.close();
        upstream.close();
        http.stop(0);
        FlowRecordsSchema schema = FlowRecordsSchema.read();
        for (JsonNode r : out.records()) {
            assertThat(schema.problems(r)).as("%s against docs/flow-records.md", r).isEmpty();
        }
    }

    ConnectorConfig config(ConnectorConfig.Records records) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "team-a",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("laptop-1", client.publicKey.toBase64(), "100.96.0.2/32")),
                List.of("*.example.test"), List.of("127.0.0.1/32"),
                new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0)).withRecords(records);
    }

    LoadedConfig load(ConnectorConfig config) throws Exception {
        Path cfg = dir.resolve("connector.json");
        Path key = dir.resolve("privateKey");
        Files.writeString(cfg, ConnectorConfigCodec.write(config));
        Files.writeString(key, connectorKey + "\n");
        return LoadedConfig.load(cfg, key);
    }

    void start(ConnectorConfig.Records records) throws Exception {
        dataPlane = DataPlane.start(load(config(records)), DataPlane.Options.defaults()
                .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withUpstream(upstreamClient).withRecordsOut(out), new DataPlaneMetrics(registry));
        client.connectTo(dataPlane.publicKey(), dataPlane.localAddress());
    }

    byte[] syntheticAddressOf(String name) throws Exception {
        byte[] query = DnsMessageEncoder.encode(DnsMessage.query(0x1234,
                new DnsQuestion(DnsName.of(name), DnsType.A, DnsType.CLASS_IN), Optional.empty()));
        client.sendUdp(5353, TUNNEL_ADDRESS, 53, query);
        byte[] answer = client.receiveUdp(5353, 10_000);
        assertThat(answer).as("DNS answer from the tunnel address").isNotNull();
        return ((DnsRecord.Address) DnsMessageDecoder.decode(answer).answers().get(0)).address().getAddress();
    }

    /** The records matching {@code which}, once there are at least {@code n} of them (or after 20 s). */
    List<JsonNode> awaitRecords(Predicate<JsonNode> which, int n) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            List<JsonNode> found = out.records().stream().filter(which).toList();
            if (found.size() >= n || System.nanoTime() > end) {
                return found;
            }
            Thread.sleep(20);
        }
    }

    static Predicate<JsonNode> kind(String kind) {
        return r -> r.path("record").asText().equals(kind);
    }

    double recordsDropped(String kind, String reason) {
        return registry.find("pinhole.connector.records.dropped").tag("kind", kind).tag("reason", reason)
                .counter().count();
    }

    /** GET / through the tunnel to the app's synthetic address; the client closes first. */
    String request(byte[] synthetic, byte[] get) throws Exception {
        TcpConnection c = client.openTcp(synthetic, http.getAddress().getPort());
        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);
        c.write(get);
        c.sendFin();
        return new String(c.readToEnd(10_000), StandardCharsets.US_ASCII);
    }

    @Test
    void aRequestThroughTheTunnelWritesExactlyOneFlowRecordWithWhoWhatAndHowMuch() throws Exception {
        start(null);
        byte[] synthetic = syntheticAddressOf("app.example.test");
        byte[] get = "GET / HTTP/1.0\r\nHost: app.example.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

        String response = request(synthetic, get);

        assertThat(response).startsWith("HTTP/1.1 200");
        List<JsonNode> flows = awaitRecords(kind("flow"), 1);
        Thread.sleep(300);
        assertThat(out.records().stream().filter(kind("flow")).toList()).as("exactly one").hasSize(1);
        JsonNode f = flows.get(0);
        assertThat(f.get("event").asText()).isEqualTo("end");
        assertThat(f.get("client").asText()).isEqualTo("laptop-1");
        assertThat(f.get("clientKey").asText()).isEqualTo(client.publicKey.toBase64());
        assertThat(f.get("clientEndpoint").asText()).startsWith("127.0.0.1:");
        assertThat(f.get("namespace").asText()).isEqualTo("team-a");
        assertThat(f.get("connector").asText()).isEqualTo("demo");
        assertThat(f.get("protocol").asText()).isEqualTo("tcp");
        assertThat(f.get("clientAddress").asText()).isEqualTo("100.96.0.2");
        assertThat(f.get("destination").asText()).isEqualTo(InetAddress.getByAddress(synthetic).getHostAddress());
        assertThat(f.get("destinationPort").asInt()).isEqualTo(http.getAddress().getPort());
        assertThat(f.get("realAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(f.get("appPattern").asText()).isEqualTo("*.example.test");
        assertThat(f.get("appName").asText()).isEqualTo("app.example.test");
        assertThat(f.has("route")).isFalse();
        assertThat(f.get("bytesFromClient").asLong()).isEqualTo(get.length);
        assertThat(f.get("bytesToClient").asLong()).isEqualTo(response.length());
        // SYN, ACK, the request, FIN, the ACKs of the answer: at least 4 each way.
        assertThat(f.get("packetsFromClient").asLong()).isGreaterThanOrEqualTo(4);
        assertThat(f.get("packetsToClient").asLong()).isGreaterThanOrEqualTo(3);
        assertThat(f.get("end").asText()).isEqualTo("fin");
        assertThat(f.get("durationMs").asLong()).isBetween(0L, 20_000L);
        assertThat(registry.find("pinhole.connector.records").tag("kind", "flow").counter().count()).isEqualTo(1);
    }

    @Test
    void aUdpFlowThroughAStaticRouteNamesItsRouteAndEndsWhenThePodStops() throws Exception {
        start(null);
        try (var echo = dev.pinhole.testing.UdpEchoServer.start()) {
            client.sendUdp(6002, new byte[] {127, 0, 0, 1}, echo.port(), new byte[] {1, 2, 3, 4, 5});
            assertThat(client.receiveUdp(6002, 10_000)).hasSize(5);

            dataPlane.close();
            dataPlane = null;
        }

        JsonNode f = awaitRecords(kind("flow"), 1).get(0);
        assertThat(f.get("protocol").asText()).isEqualTo("udp");
        assertThat(f.get("route").asText()).isEqualTo("127.0.0.1/32");
        assertThat(f.get("bytesFromClient").asLong()).isEqualTo(5);
        assertThat(f.get("bytesToClient").asLong()).isEqualTo(5);
        assertThat(f.get("packetsFromClient").asLong()).isEqualTo(1);
        assertThat(f.get("packetsToClient").asLong()).isEqualTo(1);
        assertThat(f.get("end").asText()).isEqualTo("stopping");
    }

    @Adversarial
    @Test
    void aLongFlowIsVisibleWhileOpenByUpdatesAtEachActiveTimeout() throws Exception {
        // Without updates a flow open for hours is invisible until it ends, and gone for good if the pod is killed.
        start(new ConnectorConfig.Records(null, null, null, null, null, 1));
        try (var echo = dev.pinhole.testing.UdpEchoServer.start()) {
            client.sendUdp(6003, new byte[] {127, 0, 0, 1}, echo.port(), new byte[] {1, 2, 3});
            assertThat(client.receiveUdp(6003, 10_000)).hasSize(3);

            List<JsonNode> first = awaitRecords(kind("flow").and(r -> r.path("event").asText().equals("update")), 1);
            assertThat(first).as("an update after the 1 s active timeout").isNotEmpty();
            assertThat(first.get(0).get("bytesFromClient").asLong()).isEqualTo(3);
            assertThat(first.get(0).has("end")).isFalse();
            client.sendUdp(6003, new byte[] {127, 0, 0, 1}, echo.port(), new byte[] {4, 5, 6, 7});
            assertThat(client.receiveUdp(6003, 10_000)).hasSize(4);
            List<JsonNode> updates = awaitRecords(kind("flow").and(r -> r.path("event").asText().equals("update")
                    && r.path("bytesFromClient").asLong() == 7), 1);
            assertThat(updates).as("a later update carries the running totals").isNotEmpty();
            assertThat(updates.get(0).get("durationMs").asLong()).isGreaterThanOrEqualTo(1_000);

            dataPlane.close();
            dataPlane = null;
        }

        List<JsonNode> flows = out.records().stream().filter(kind("flow")).toList();
        JsonNode last = flows.get(flows.size() - 1);
        assertThat(last.get("event").asText()).isEqualTo("end");
        assertThat(last.get("end").asText()).isEqualTo("stopping");
        assertThat(last.get("bytesFromClient").asLong()).isEqualTo(7);
        assertThat(flows.stream().map(f -> f.get("clientPort").asInt()).distinct()).as("one flow").hasSize(1);
    }

    @Test
    void aRefusedDestinationWritesARefusalRecordWithItsReason() throws Exception {
        start(null);

        TcpConnection c = client.openTcp(NO_ROUTE, 443);

        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.RESET);
        JsonNode r = awaitRecords(kind("refusal"), 1).get(0);
        assertThat(r.get("client").asText()).isEqualTo("laptop-1");
        assertThat(r.get("reason").asText()).isEqualTo("no_route");
        assertThat(r.get("protocol").asText()).isEqualTo("tcp");
        assertThat(r.get("destination").asText()).isEqualTo("198.51.100.7");
        assertThat(r.get("destinationPort").asInt()).isEqualTo(443);
        assertThat(r.get("suppressed").asLong()).isZero();
        assertThat(out.records().stream().filter(kind("flow")).toList()).isEmpty();
    }

    @Adversarial
    @Test
    void aFloodOfRefusedConnectionsWritesAtMostTheConfiguredRateAndCountsTheRest() throws Exception {
        start(new ConnectorConfig.Records(null, null, null, null, 2));
        int flood = 400;

        long started = System.nanoTime();
        // In bursts of 50: all at once on a loaded machine, the UDP socket sheds part of it before the connector.
        for (int i = 0; i < flood; i++) {
            client.openTcp(NO_ROUTE, 1 + i);
            if (i % 50 == 49) {
                Thread.sleep(20);
            }
        }
        double drops = 0;
        double seen = -1;
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end && drops != seen) {
            seen = drops;
            Thread.sleep(500);
            var c = registry.find("pinhole.connector.drops").tag("reason", "no_route").counter();
            drops = c == null ? 0 : c.count();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Thread.sleep(300);

        assertThat(drops).as("the flood reached the policy").isGreaterThan(flood / 2.0);
        List<JsonNode> refusals = out.records().stream().filter(kind("refusal")).toList();
        assertThat(refusals.size()).as("burst 10 + 2/s over %.1f s", seconds)
                .isBetween(10, 10 + (int) Math.ceil(seconds * 2) + 1);
        assertThat(refusals.size() + recordsDropped("refusal", "rate_limited")).as("every refusal accounted for")
                .isEqualTo(drops);
        long reported = refusals.stream().mapToLong(r -> r.get("suppressed").asLong()).sum();
        assertThat(reported).as("left-out refusals reported by the lines that followed them")
                .isLessThanOrEqualTo((long) recordsDropped("refusal", "rate_limited"));
    }

    @Test
    void lookupsAreRecordedWhenTurnedOnWithTheSyntheticAndRealAddresses() throws Exception {
        start(new ConnectorConfig.Records(null, null, true, "omit", null));

        byte[] synthetic = syntheticAddressOf("app.example.test");

        JsonNode l = awaitRecords(kind("lookup"), 1).get(0);
        assertThat(l.get("name").asText()).isEqualTo("app.example.test");
        assertThat(l.get("type").asText()).isEqualTo("A");
        assertThat(l.get("transport").asText()).isEqualTo("udp");
        assertThat(l.get("answer").asText()).isEqualTo("synthetic");
        assertThat(l.get("appPattern").asText()).isEqualTo("*.example.test");
        assertThat(l.get("synthetic").get(0).asText()).isEqualTo(InetAddress.getByAddress(synthetic).getHostAddress());
        assertThat(l.get("real").get(0).asText()).isEqualTo("127.0.0.1");
        assertThat(l.has("clientEndpoint")).as("clientEndpoints: omit").isFalse();
    }

    @Test
    void lookupsAreOffByDefault() throws Exception {
        start(null);

        syntheticAddressOf("app.example.test");
        Thread.sleep(300);

        assertThat(out.records()).isEmpty();
    }

    @Test
    void aReloadTurningFlowRecordsOffAppliesToTheNextFlowWithoutARestart() throws Exception {
        start(null);
        byte[] synthetic = syntheticAddressOf("app.example.test");
        byte[] get = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        request(synthetic, get);
        awaitRecords(kind("flow"), 1);

        dataPlane.apply(load(config(new ConnectorConfig.Records("none", false, null, null, null))))
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        request(synthetic, get);
        client.openTcp(NO_ROUTE, 443).awaitOutcome(10_000);
        Thread.sleep(500);

        assertThat(out.records()).hasSize(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> records = (Map<String, Object>) dataPlane.status().get("records");
        assertThat(records).containsEntry("flows", "none").containsEntry("refusals", false)
                .containsEntry("lookups", false);
    }

    @Test
    void aFlowARevokedNameTookAwayEndsRevoked() throws Exception {
        start(new ConnectorConfig.Records("startAndEnd", null, null, null, null));
        byte[] synthetic = syntheticAddressOf("app.example.test");
        TcpConnection c = client.openTcp(synthetic, http.getAddress().getPort());
        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);
        assertThat(awaitRecords(kind("flow"), 1).get(0).get("event").asText()).isEqualTo("start");

        ConnectorConfig withoutTheName = config(new ConnectorConfig.Records("startAndEnd", null, null, null, null));
        withoutTheName = new ConnectorConfig(withoutTheName.format(), withoutTheName.name(),
                withoutTheName.namespace(), withoutTheName.tunnel(), withoutTheName.clients(),
                List.of("*.other.test"), withoutTheName.routes(), withoutTheName.egress(), withoutTheName.dns(),
                withoutTheName.http()).withRecords(withoutTheName.records());
        dataPlane.apply(load(withoutTheName)).get(10, java.util.concurrent.TimeUnit.SECONDS);

        List<JsonNode> flows = awaitRecords(kind("flow"), 2);
        assertThat(flows).hasSize(2);
        assertThat(flows.get(1).get("event").asText()).isEqualTo("end");
        assertThat(flows.get(1).get("end").asText()).isEqualTo("revoked");
        assertThat(flows.get(1).get("appName").asText()).isEqualTo("app.example.test");
    }
    @Test
    void aRemovedClientsFlowEndsRevokedUnderTheKeyThatOpenedIt() throws Exception {
        start(null);
        byte[] synthetic = syntheticAddressOf("app.example.test");
        TcpConnection c = client.openTcp(synthetic, http.getAddress().getPort());
        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);

        ConnectorConfig withoutTheClient = config(null);
        withoutTheClient = new ConnectorConfig(withoutTheClient.format(), withoutTheClient.name(),
                withoutTheClient.namespace(), withoutTheClient.tunnel(), List.of(), withoutTheClient.domains(),
                withoutTheClient.routes(), withoutTheClient.egress(), withoutTheClient.dns(),
                withoutTheClient.http());
        dataPlane.apply(load(withoutTheClient)).get(10, java.util.concurrent.TimeUnit.SECONDS);

        List<JsonNode> flows = awaitRecords(kind("flow"), 1);
        assertThat(flows).hasSize(1);
        assertThat(flows.get(0).get("end").asText()).isEqualTo("revoked");
        assertThat(flows.get(0).get("client").asText()).isEqualTo("laptop-1");
        assertThat(flows.get(0).path("clientKey").asText()).as("the key is taken when the flow opens")
                .isEqualTo(client.publicKey.toBase64());
    }
}
