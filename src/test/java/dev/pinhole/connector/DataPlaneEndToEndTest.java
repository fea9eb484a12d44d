package dev.pinhole.connector;

import dev.pinhole.testing.UdpEchoServer;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pinhole.connector.WireGuardTestClient.TcpConnection;
import dev.pinhole.connector.WireGuardTestClient.TcpOutcome;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsMessageDecoder;
import dev.pinhole.dns.message.DnsMessageEncoder;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.message.DnsQuestion;
import dev.pinhole.dns.message.DnsRecord;
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.dns.resolver.UpstreamDnsClient;
import dev.pinhole.nat.FlowLimits;
import dev.pinhole.nat.NatTimeouts;
import dev.pinhole.time.FakeTicker;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Keys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole data plane in one JVM, over real UDP on 127.0.0.1: a second WireGuard tunnel plays the laptop, asks
 * the connector's DNS for an app name, gets a synthetic address and reaches a real HTTP server through the NAT.
 * Loopback is normally refused; the config names 127.0.0.1/32 as a static route so the test servers are allowed.
 */
class DataPlaneEndToEndTest {
    static final byte[] TUNNEL_ADDRESS = {100, 96, 0, 1};
    static final int DNS_CLIENT_PORT = 5353;

    @TempDir
    Path dir;
    HttpServer http;
    TestDnsUpstream upstream;
    UpstreamDnsClient upstreamClient;
    UdpEchoServer echo;
    WireGuardTestClient client;
    DataPlane dataPlane;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    String connectorKey = Keys.toBase64(Keys.generatePrivate());

    @BeforeEach
    void servers() throws Exception {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        http.createContext("/", ex -> {
            byte[] body = "hello through the tunnel\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
        upstream = new TestDnsUpstream(Map.of(
                "app.example.test", InetAddress.getLoopbackAddress(),
                "meta.example.test", InetAddress.getByName("169.254.169.254")));
        upstreamClient = new UpstreamDnsClient(List.of(upstream.address()), Duration.ofSeconds(2), 2,
                Ticker.system());
        echo = UdpEchoServer.start();
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
        echo.close();
    }

    ConnectorConfig config(List<ConnectorConfig.Client> clients) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                clients, List.of("*.example.test"), List.of("127.0.0.1/32"),
                new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0));
    }

    List<ConnectorConfig.Client> laptop() {
        return List.of(new ConnectorConfig.Client("laptop-1", client.publicKey.toBase64(), "100.96.0.2/32"));
    }

    LoadedConfig load(ConnectorConfig config) throws Exception {
        Path cfg = dir.resolve("connector.json");
        Path key = dir.resolve("privateKey");
        Files.writeString(cfg, ConnectorConfigCodec.write(config));
        Files.writeString(key, connectorKey + "\n");
        return LoadedConfig.load(cfg, key);
    }

    void start(DataPlane.Options options) throws Exception {
        dataPlane = DataPlane.start(load(config(laptop())), options
                .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withUpstream(upstreamClient), new DataPlaneMetrics(registry));
        client.connectTo(dataPlane.publicKey(), dataPlane.localAddress());
    }

    void start() throws Exception {
        start(DataPlane.Options.defaults());
    }

    /** Asks the connector's DNS (through the tunnel) for an A record. */
    DnsMessage resolve(String name) throws Exception {
        byte[] query = DnsMessageEncoder.encode(DnsMessage.query(0x1234,
                new DnsQuestion(DnsName.of(name), DnsType.A, DnsType.CLASS_IN), Optional.empty()));
        client.sendUdp(DNS_CLIENT_PORT, TUNNEL_ADDRESS, 53, query);
        byte[] answer = client.receiveUdp(DNS_CLIENT_PORT, 10_000);
        assertThat(answer).as("DNS answer from the tunnel address").isNotNull();
        return DnsMessageDecoder.decode(answer);
    }

    byte[] syntheticAddressOf(String name) throws Exception {
        DnsMessage answer = resolve(name);
        assertThat(answer.rcode()).isEqualTo(DnsMessage.RCODE_NOERROR);
        assertThat(answer.answers()).hasSize(1);
        InetAddress a = ((DnsRecord.Address) answer.answers().get(0)).address();
        return a.getAddress();
    }

    double drops(String reason) {
        var c = registry.find("pinhole.connector.drops").tag("reason", reason).counter();
        if (c != null) {
            return c.count();
        }
        var f = registry.find("pinhole.connector.drops").tag("reason", reason).functionCounter();
        return f == null ? 0 : f.count();
    }

    @Test
    void dnsHandsOutASyntheticAddressAndTcpToItReachesTheRealServer() throws Exception {
        start();
        byte[] synthetic = syntheticAddressOf("app.example.test");
        assertThat(InetAddress.getByAddress(synthetic).getHostAddress()).startsWith("100.");
        assertThat(dataPlane.mappedNames()).isEqualTo(1);

        TcpConnection c = client.openTcp(synthetic, http.getAddress().getPort());
        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);
        c.write("GET / HTTP/1.0\r\nHost: app.example.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String response = new String(c.readToEnd(10_000), StandardCharsets.US_ASCII);

        assertThat(response).startsWith("HTTP/1.1 200").endsWith("hello through the tunnel\n");
        assertThat(c.finReceived()).isTrue();
    }

    @Test
    void dnsAnswersOverTcpAtTheTunnelAddress() throws Exception {
        start();
        byte[] query = DnsMessageEncoder.encode(DnsMessage.query(0x4321,
                new DnsQuestion(DnsName.of("app.example.test"), DnsType.A, DnsType.CLASS_IN), Optional.empty()));
        TcpConnection c = client.openTcp(TUNNEL_ADDRESS, 53);
        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);
        byte[] framed = new byte[query.length + 2];
        framed[0] = (byte) (query.length >>> 8);
        framed[1] = (byte) query.length;
        System.arraycopy(query, 0, framed, 2, query.length);
        c.write(framed);
        c.sendFin();

        byte[] response = c.readToEnd(10_000);
        assertThat(c.finReceived()).isTrue();
        int length = (response[0] & 0xFF) << 8 | (response[1] & 0xFF);
        assertThat(response).hasSize(2 + length);
        DnsMessage answer = DnsMessageDecoder.decode(java.util.Arrays.copyOfRange(response, 2, response.length));
        assertThat(answer.id()).isEqualTo(0x4321);
        assertThat(((DnsRecord.Address) answer.answers().get(0)).address().getHostAddress()).startsWith("100.");
    }

    @Test
    void theTunnelAddressAnswersPing() throws Exception {
        start();
        java.nio.ByteBuffer ping = java.nio.ByteBuffer.allocate(28 + 4);
        byte[] echoRequest = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'p', 'i', 'n', 'g'};
        long sum = dev.pinhole.netstack.packet.InternetChecksum.add(0, echoRequest);
        int c = dev.pinhole.netstack.packet.InternetChecksum.finish(sum);
        echoRequest[2] = (byte) (c >>> 8);
        echoRequest[3] = (byte) c;
        dev.pinhole.netstack.packet.IpHeaderWriter.write(ping, 0, client.address, TUNNEL_ADDRESS,
                dev.pinhole.netstack.packet.IpProtocol.ICMP, echoRequest.length, 64);
        ping.put(20, echoRequest).limit(20 + echoRequest.length);
        client.sendIp(ping);

        byte[] reply = client.other.poll(10, TimeUnit.SECONDS);
        assertThat(reply).isNotNull();
        var parsed = (dev.pinhole.netstack.packet.ParseResult.IcmpMessage) new dev.pinhole.netstack.packet
                .PacketParser().parse(java.nio.ByteBuffer.wrap(reply));
        assertThat(parsed.icmp().isEchoReply()).isTrue();
        assertThat(parsed.icmp().echoIdentifier()).isEqualTo(0x1234);
        assertThat(parsed.ip().source()).isEqualTo(InetAddress.getByAddress(TUNNEL_ADDRESS));
    }

    @Test
    void otherPortsOfTheTunnelAddressAreRefused() throws Exception {
        start();
        TcpConnection c = client.openTcp(TUNNEL_ADDRESS, 22);
        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.RESET);
        assertThat(drops("tunnel_port_closed")).isEqualTo(1);
    }

    @Test
    void statusAndMetricsReportFlowsMappingsAndClients() throws Exception {
        start();
        syntheticAddressOf("app.example.test");
        client.sendUdp(6002, new byte[] {127, 0, 0, 1}, echo.port(), new byte[] {9});
        assertThat(client.receiveUdp(6002, 10_000)).isNotNull();

        Map<String, Object> status = dataPlane.status();
        assertThat(status).containsEntry("activeFlows", 1).containsEntry("mappedNames", 1)
                .containsEntry("egressVerified", false).containsEntry("forwarding", true);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> clients = (Map<String, Map<String, Object>>) status.get("clientStats");
        assertThat(clients.get("laptop-1")).containsEntry("handshakes", 1L).containsEntry("flowsOpened", 1L);
        assertThat((Long) clients.get("laptop-1").get("packetsIn")).isGreaterThanOrEqualTo(2);
        assertThat(registry.find("pinhole.connector.flows.active").tag("protocol", "udp").gauge().value())
                .isEqualTo(1.0);
        assertThat(registry.find("pinhole.connector.dns.queries").counter().count()).isEqualTo(1.0);
        assertThat(registry.find("pinhole.connector.handshakes").functionCounter().count()).isEqualTo(1.0);
        assertThat(registry.find("pinhole.connector.packets").tag("direction", "in").counter().count())
                .isGreaterThanOrEqualTo(2.0);
    }

    @Test
    void aDestinationOutsideThePolicyGetsARst() throws Exception {
        start();
        TcpConnection c = client.openTcp(new byte[] {(byte) 198, 51, 100, 7}, 443);
        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.RESET);
        assertThat(drops("no_route")).isEqualTo(1);
        assertThat(dataPlane.activeFlows()).isZero();
    }

    @Test
    void anUnmappedSyntheticAddressGetsARst() throws Exception {
        start();
        TcpConnection c = client.openTcp(new byte[] {100, 80, 7, 7}, 443);
        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.RESET);
        assertThat(drops("not_mapped")).isEqualTo(1);
    }

    @Test
    void aNameResolvingToTheMetadataAddressIsRefusedByDns() throws Exception {
        start();
        assertThat(resolve("meta.example.test").rcode()).isEqualTo(DnsMessage.RCODE_REFUSED);
        assertThat(dataPlane.mappedNames()).isZero();
    }

    @Test
    void aRefusedRealConnectBecomesARstForTheClient() throws Exception {
        start();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        TcpConnection c = client.openTcp(new byte[] {127, 0, 0, 1}, closedPort);
        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.RESET);
        assertThat(drops("connect_refused")).isEqualTo(1);
    }

    @Test
    void aSpoofedSourceIsDroppedWithoutAnswer() throws Exception {
        start();
        syntheticAddressOf("app.example.test"); // the session is up
        byte[] query = DnsMessageEncoder.encode(DnsMessage.query(7, new DnsQuestion(DnsName.of("app.example.test"),
                DnsType.A, DnsType.CLASS_IN), Optional.empty()));
        client.sendUdp(5454, new byte[] {100, 96, 0, 9}, TUNNEL_ADDRESS, 53, query);

        assertThat(client.receiveUdp(5454, 1_000)).isNull();
        assertThat(drops("wireguard") + drops("spoofed_source")).isEqualTo(1);
    }

    @Test
    void udpReachesARoutedEchoServerAndComesBack() throws Exception {
        start();
        byte[] ping = "ping over udp".getBytes(StandardCharsets.US_ASCII);
        client.sendUdp(6000, new byte[] {127, 0, 0, 1}, echo.port(), ping);

        assertThat(client.receiveUdp(6000, 10_000)).isEqualTo(ping);
        assertThat(dataPlane.table().udpFlows()).isEqualTo(1);
    }

    @Test
    void theFlowLimitPerClientRefusesTheNextFlowWithARst() throws Exception {
        start(DataPlane.Options.defaults().withLimits(new FlowLimits(100, 1)));
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            TcpConnection first = client.openTcp(new byte[] {127, 0, 0, 1}, server.getLocalPort());
            assertThat(first.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);
            TcpConnection second = client.openTcp(new byte[] {127, 0, 0, 1}, server.getLocalPort());
            assertThat(second.awaitOutcome(10_000)).isEqualTo(TcpOutcome.RESET);
            assertThat(drops("flow_limit_client")).isEqualTo(1);
        }
    }

    @Test
    void anIdleUdpFlowExpiresAfterItsTimeout() throws Exception {
        FakeTicker ticker = new FakeTicker();
        start(DataPlane.Options.defaults().withTicker(ticker).withTimeouts(new NatTimeouts(Duration.ofSeconds(10),
                Duration.ofHours(2), Duration.ofMinutes(5), Duration.ofSeconds(60))));
        client.sendUdp(6001, new byte[] {127, 0, 0, 1}, echo.port(), new byte[] {1, 2, 3});
        assertThat(client.receiveUdp(6001, 10_000)).isNotNull();

        ticker.advance(Duration.ofSeconds(59));
        assertThat(dataPlane.expireIdleNow().get(5, TimeUnit.SECONDS)).isZero();
        assertThat(dataPlane.activeFlows()).isEqualTo(1);
        ticker.advance(Duration.ofSeconds(2));
        // Either this sweep or the relay's own once-a-second housekeeping (it may run first once the ticker moved)
        // ends the flow; which one is a race the test does not care about.
        dataPlane.expireIdleNow().get(5, TimeUnit.SECONDS);
        assertThat(dataPlane.activeFlows()).isZero();
    }

    @Test
    void removingAClientCutsItsFlowsAtOnce() throws Exception {
        start();
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            TcpConnection c = client.openTcp(new byte[] {127, 0, 0, 1}, server.getLocalPort());
            assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);
            try (Socket accepted = server.accept()) {
                accepted.setSoTimeout(10_000);
                assertThat(dataPlane.activeFlows()).isEqualTo(1);

                dataPlane.apply(load(config(List.of()))).get(5, TimeUnit.SECONDS);

                assertThat(dataPlane.activeFlows()).isZero();
                InputStream in = accepted.getInputStream();
                int read;
                try {
                    read = in.read();
                } catch (java.net.SocketException reset) {
                    read = -1;
                }
                assertThat(read).as("the real socket was closed").isEqualTo(-1);
            }
        }
    }

    @Test
    void addingADomainKeepsEstablishedFlows() throws Exception {
        start();
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            TcpConnection c = client.openTcp(new byte[] {127, 0, 0, 1}, server.getLocalPort());
            assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);
            try (Socket accepted = server.accept()) {
                ConnectorConfig more = config(laptop());
                more = new ConnectorConfig(more.format(), more.name(), more.namespace(), more.tunnel(),
                        more.clients(), List.of("*.example.test", "other.test"), more.routes(), more.egress(),
                        more.dns(), more.http());
                dataPlane.apply(load(more)).get(5, TimeUnit.SECONDS);

                accepted.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
                accepted.shutdownOutput();
                assertThat(new String(c.readToEnd(10_000), StandardCharsets.US_ASCII)).isEqualTo("still here");
                assertThat(dataPlane.activeFlows()).isEqualTo(1);
            }
        }
    }

    @Test
    void withEgressEnforcedAndUnverifiedNothingIsForwardedButDnsAnswers() throws Exception {
        ConnectorConfig enforced = config(laptop());
        enforced = new ConnectorConfig(enforced.format(), enforced.name(), enforced.namespace(), enforced.tunnel(),
                enforced.clients(), enforced.domains(), enforced.routes(),
                new ConnectorConfig.Egress("203.0.113.10", "http://127.0.0.1:1/", true), enforced.dns(),
                enforced.http());
        dataPlane = DataPlane.start(load(enforced), DataPlane.Options.defaults()
                .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).withUpstream(upstreamClient),
                new DataPlaneMetrics(registry));
        client.connectTo(dataPlane.publicKey(), dataPlane.localAddress());

        byte[] synthetic = syntheticAddressOf("app.example.test");
        TcpConnection c = client.openTcp(synthetic, http.getAddress().getPort());
        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.RESET);
        assertThat(drops("egress_unverified")).isEqualTo(1);
    }
}
