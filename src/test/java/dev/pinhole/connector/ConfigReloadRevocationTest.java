package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.Peer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config reload is applied whole or not at all, and what it takes away stops at once: a removed name or route
 * refuses new flows and resets the flows that use it; a config the data plane cannot apply adds no peer, leaves
 * the digest in force in /status with the reason in configError, and is not counted as applied. The connector runs
 * in this JVM with its real watcher, over real UDP on 127.0.0.1, with a second WireGuard tunnel as the laptop.
 */
@Adversarial
class ConfigReloadRevocationTest {
    static final byte[] TUNNEL_ADDRESS = {100, 96, 0, 1};
    static final byte[] LOOPBACK = {127, 0, 0, 1};

    @TempDir
    Path dir;
    Path configFile;
    Path keyFile;
    TestDnsUpstream upstream;
    UpstreamDnsClient upstreamClient;
    ServerSocket app;
    final List<Socket> accepted = new ArrayList<>();
    WireGuardTestClient laptop;
    final List<WireGuardTestClient> others = new ArrayList<>();
    ConnectorMain.ConnectorProcess process;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        app = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        upstream = new TestDnsUpstream(Map.of("app.example.test", InetAddress.getLoopbackAddress(),
                "kept.example.test", InetAddress.getLoopbackAddress()));
        upstreamClient = new UpstreamDnsClient(List.of(upstream.address()), Duration.ofSeconds(2), 2,
                Ticker.system());
        laptop = new WireGuardTestClient("100.96.0.2");
        configFile = dir.resolve("connector.json");
        keyFile = dir.resolve("privateKey");
        Files.writeString(keyFile, Keys.toBase64(Keys.generatePrivate()) + "\n");
        write(config(List.of(client("laptop-1", laptop)), List.of("app.example.test", "kept.example.test"),
                List.of("127.0.0.1/32")));
        process = ConnectorMain.ConnectorProcess.start(new ConnectorArgs(configFile, keyFile, 0, 0),
                LoadedConfig.load(configFile, keyFile), DataPlane.Options.defaults()
                        .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .withUpstream(upstreamClient));
        laptop.connectTo(process.dataPlane().publicKey(), process.dataPlane().localAddress());
    }

    @AfterEach
    void stop() throws Exception {
        laptop.close();
        for (WireGuardTestClient c : others) {
            c.close();
        }
        process.close();
        for (Socket s : accepted) {
            s.close();
        }
        app.close();
        upstreamClient.close();
        upstream.close();
    }

    static ConnectorConfig.Client client(String name, WireGuardTestClient c) throws Exception {
        return new ConnectorConfig.Client(name, c.publicKey.toBase64(),
                InetAddress.getByAddress(c.address).getHostAddress() + "/32");
    }

    static ConnectorConfig config(List<ConnectorConfig.Client> clients, List<String> domains, List<String> routes) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                clients, domains, routes, new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0));
    }

    void write(ConnectorConfig config) throws Exception {
        Files.writeString(configFile, ConnectorConfigCodec.write(config));
    }

    byte[] syntheticAddressOf(String name) throws Exception {
        byte[] query = DnsMessageEncoder.encode(DnsMessage.query(0x1234,
                new DnsQuestion(DnsName.of(name), DnsType.A, DnsType.CLASS_IN), Optional.empty()));
        laptop.sendUdp(5353, TUNNEL_ADDRESS, 53, query);
        byte[] answer = laptop.receiveUdp(5353, 10_000);
        assertThat(answer).as("DNS answer for " + name).isNotNull();
        DnsMessage m = DnsMessageDecoder.decode(answer);
        return ((DnsRecord.Address) m.answers().get(0)).address().getAddress();
    }

    /** A flow to {@code to} at the app server, established and accepted there. */
    TcpConnection established(byte[] to) throws Exception {
        TcpConnection c = laptop.openTcp(to, app.getLocalPort());
        assertThat(c.awaitOutcome(10_000)).as("flow to %s", InetAddress.getByAddress(to)).isEqualTo(
                TcpOutcome.ESTABLISHED);
        accepted.add(app.accept());
        return c;
    }

    String get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + process.httpPort() + path))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The value of the series {@code name} whose labels include {@code label} (e.g. {@code reason="revoked"}). */
    double metric(String name, String label) throws Exception {
        for (String l : get("/metrics").split("\n")) {
            if (l.startsWith(name + "{") && l.substring(0, l.indexOf('}') + 1).contains(label)) {
                return Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1).trim());
            }
        }
        return 0;
    }

    @Test
    void removingADomainResetsItsFlowsAndRefusesNewOnesWhileOtherNamesKeepWorking() throws Exception {
        byte[] removed = syntheticAddressOf("app.example.test");
        byte[] kept = syntheticAddressOf("kept.example.test");
        TcpConnection toRemoved = established(removed);
        TcpConnection toKept = established(kept);

        write(config(List.of(client("laptop-1", laptop)), List.of("kept.example.test"), List.of("127.0.0.1/32")));
        assertThat(process.watcher().poll()).isTrue();

        assertThat(toRemoved.readToEnd(5_000)).isEmpty();
        assertThat(toRemoved.outcome()).as("the flow to the removed name").isEqualTo(TcpOutcome.RESET);
        assertThat(laptop.openTcp(removed, app.getLocalPort()).awaitOutcome(5_000))
                .as("a new flow to the removed name's synthetic address").isEqualTo(TcpOutcome.RESET);
        assertThat(toKept.outcome()).as("the flow to the name that stays").isEqualTo(TcpOutcome.ESTABLISHED);
        assertThat(process.dataPlane().mappedNames()).isEqualTo(1);
        assertThat(metric("pinhole_connector_drops_total", "reason=\"revoked\"")).isEqualTo(1);
    }

    @Test
    void removingARouteResetsItsFlowsAndRefusesNewOnes() throws Exception {
        TcpConnection routed = established(LOOPBACK);

        write(config(List.of(client("laptop-1", laptop)), List.of("app.example.test"), List.of()));
        assertThat(process.watcher().poll()).isTrue();

        routed.readToEnd(5_000);
        assertThat(routed.outcome()).as("the flow to the removed route").isEqualTo(TcpOutcome.RESET);
        assertThat(laptop.openTcp(LOOPBACK, app.getLocalPort()).awaitOutcome(5_000))
                .as("a new flow to the removed route").isEqualTo(TcpOutcome.RESET);
        assertThat(process.dataPlane().activeFlows()).isZero();
    }

    @Test
    void removingARouteEndsItsUdpFlowWithIcmpProhibitedAtOnce() throws Exception {
        try (dev.pinhole.testing.UdpEchoServer echo = dev.pinhole.testing.UdpEchoServer.start()) {
            laptop.sendUdp(6100, LOOPBACK, echo.port(), new byte[] {1});
            assertThat(laptop.receiveUdp(6100, 10_000)).as("the echo through the route").isNotNull();
            laptop.other.clear();

            write(config(List.of(client("laptop-1", laptop)), List.of("app.example.test"), List.of()));
            assertThat(process.watcher().poll()).isTrue();

            byte[] notice = laptop.other.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(notice).as("an ICMP error for the revoked UDP flow, without sending anything").isNotNull();
            var icmp = (dev.pinhole.netstack.packet.ParseResult.IcmpMessage) new dev.pinhole.netstack.packet
                    .PacketParser().parse(java.nio.ByteBuffer.wrap(notice));
            assertThat(icmp.icmp().type()).isEqualTo(dev.pinhole.netstack.packet.IcmpType.V4_DESTINATION_UNREACHABLE);
            assertThat(icmp.icmp().code()).isEqualTo(dev.pinhole.netstack.packet.IcmpType.V4_CODE_ADMIN_PROHIBITED);
            assertThat(process.dataPlane().activeFlows()).isZero();
        }
    }

    @Test
    void aConfigTheDataPlaneCannotApplyAddsNoPeerAndIsNotReportedAsApplied() throws Exception {
        String inForce = process.watcher().current().digest();
        WireGuardTestClient intruder = new WireGuardTestClient("100.96.0.3");
        others.add(intruder);
        write(config(List.of(client("laptop-1", laptop), client("intruder", intruder)), List.of("*"),
                List.of("127.0.0.1/32")));

        boolean applied = process.watcher().poll();

        assertThat(handshakes(intruder)).as("handshakes of the refused config's new key").isZero();
        String status = get("/status");
        assertThat(status).contains("\"configDigest\" : \"" + inForce + "\"").contains("domains[0]");
        assertThat(metric("pinhole_connector_config_reloads_total", "outcome=\"applied\""))
                .isZero();
        assertThat(metric("pinhole_connector_config_reloads_total", "outcome=\"invalid\"")).isEqualTo(1);
        assertThat(applied).isFalse();

        write(config(List.of(client("laptop-1", laptop)), List.of("app.example.test"), List.of("127.0.0.1/32")));
        assertThat(process.watcher().poll()).isTrue();
        assertThat(handshakes(intruder)).as("handshakes after a valid config without the key").isZero();
        assertThat(get("/status")).contains("\"configDigest\" : \"" + process.watcher().current().digest() + "\"")
                .contains("\"configError\" : null");
    }

    /**
     * The README figure: from the file change to the last new flow accepted to a removed name, and to the reset
     * of its existing flow, with the connector's own watcher timer (no poll from the test). Prints both.
     */
    @Test
    void aRemovedDomainStopsWithinASecondOfTheFileChange() throws Exception {
        byte[] removed = syntheticAddressOf("app.example.test");
        TcpConnection existing = established(removed);

        java.util.concurrent.CompletableFuture<Long> resetAt = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try {
                        existing.readToEnd(10_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return existing.outcome() == TcpOutcome.RESET ? System.nanoTime() : 0L;
                });
        long changed = System.nanoTime();
        write(config(List.of(client("laptop-1", laptop)), List.of("kept.example.test"), List.of("127.0.0.1/32")));
        long refusedAt = 0;
        int probes = 0;
        while (refusedAt == 0 && System.nanoTime() - changed < 10_000_000_000L) {
            probes++;
            if (laptop.openTcp(removed, app.getLocalPort()).awaitOutcome(2_000) == TcpOutcome.RESET) {
                refusedAt = System.nanoTime();
            }
        }
        long reset = resetAt.get(15, java.util.concurrent.TimeUnit.SECONDS);
        double newFlowsRefusedMs = (refusedAt - changed) / 1e6;
        double existingResetMs = (reset - changed) / 1e6;
        System.out.printf("FIGURE reload removing a domain (poll period %d ms): new flows refused after %.0f ms "
                + "(%d probes), existing flow reset after %.0f ms%n", ConnectorMain.RELOAD_PERIOD_MS,
                newFlowsRefusedMs, probes, existingResetMs);
        assertThat(refusedAt).as("a new flow was refused at all").isPositive();
        assertThat(reset).as("the existing flow was reset at all").isPositive();
        assertThat(newFlowsRefusedMs).as("generous bound: the poll period plus an apply").isLessThan(5_000);
    }

    /** Connects {@code c} and has it send a DNS query for 2 s; returns the handshakes its tunnel completed. */
    long handshakes(WireGuardTestClient c) throws Exception {
        if (c.tunnel.peers().isEmpty()) {
            c.connectTo(process.dataPlane().publicKey(), process.dataPlane().localAddress());
        }
        byte[] query = DnsMessageEncoder.encode(DnsMessage.query(7,
                new DnsQuestion(DnsName.of("app.example.test"), DnsType.A, DnsType.CLASS_IN), Optional.empty()));
        c.sendUdp(5300, TUNNEL_ADDRESS, 53, query);
        c.receiveUdp(5300, 2_000);
        return c.tunnel.peers().stream().mapToLong(Peer::handshakesCompleted).sum();
    }
}
