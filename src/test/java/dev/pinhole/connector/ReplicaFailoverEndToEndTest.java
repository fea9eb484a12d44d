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
import dev.pinhole.testing.UdpEchoServer;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Keys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas with the same key and config in one JVM; the laptop's flows live on replica A, then the load
 * balancer sends it to replica B (A is left running but unreachable, as after a SIGKILL: no RST from it). A TCP
 * connection that lived on A ends with a RST from B at its first segment (no hang until the app's timeout); a
 * UDP flow starts anew on B at its first datagram, to the same real and the same synthetic destination.
 */
class ReplicaFailoverEndToEndTest {
    private static final byte[] LOOPBACK = {127, 0, 0, 1};
    private static final byte[] TUNNEL_ADDRESS = {100, 96, 0, 1};

    @TempDir
    Path dir;
    TestDnsUpstream upstream;
    UpstreamDnsClient upstreamClient;
    UdpEchoServer echo;
    ServerSocket app;
    WireGuardTestClient client;
    DataPlane replicaA;
    DataPlane replicaB;
    final SimpleMeterRegistry metricsA = new SimpleMeterRegistry();
    final SimpleMeterRegistry metricsB = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws Exception {
        upstream = new TestDnsUpstream(Map.of("udp.example.test", InetAddress.getLoopbackAddress()));
        upstreamClient = new UpstreamDnsClient(List.of(upstream.address()), Duration.ofSeconds(2), 2,
                Ticker.system());
        echo = UdpEchoServer.start();
        app = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        client = new WireGuardTestClient("100.96.0.2");
        LoadedConfig config = load();
        replicaA = replica(config, metricsA);
        replicaB = replica(config, metricsB);
        assertThat(replicaB.publicKey()).isEqualTo(replicaA.publicKey());
        client.connectTo(replicaA.publicKey(), replicaA.localAddress());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        for (DataPlane d : new DataPlane[] {replicaA, replicaB}) {
            if (d != null) {
                d.close();
            }
        }
        upstreamClient.close();
        upstream.close();
        echo.close();
        app.close();
    }

    private DataPlane replica(LoadedConfig config, SimpleMeterRegistry registry) throws Exception {
        return DataPlane.start(config, DataPlane.Options.defaults()
                .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withUpstream(upstreamClient), new DataPlaneMetrics(registry));
    }

    private LoadedConfig load() throws Exception {
        ConnectorConfig config = new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("laptop-1", client.publicKey.toBase64(), "100.96.0.2/32")),
                List.of("*.example.test"), List.of("127.0.0.1/32"),
                new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0));
        Path cfg = dir.resolve("connector.json");
        Path key = dir.resolve("privateKey");
        Files.writeString(cfg, ConnectorConfigCodec.write(config));
        Files.writeString(key, Keys.toBase64(Keys.generatePrivate()) + "\n");
        return LoadedConfig.load(cfg, key);
    }

    private void failOverToB() {
        client.moveTo(replicaB.publicKey(), replicaB.localAddress());
    }

    @Test
    void aTcpConnectionThatLivedOnTheDeadReplicaGetsARstAtItsFirstSegment() throws Exception {
        TcpConnection c = client.openTcp(LOOPBACK, app.getLocalPort());
        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);
        try (Socket accepted = app.accept()) {
            c.write("one".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(accepted.getInputStream().readNBytes(3), StandardCharsets.US_ASCII))
                    .isEqualTo("one");

            failOverToB();
            c.write("two".getBytes(StandardCharsets.US_ASCII)); // sent once: the scripted client never retransmits

            for (int i = 0; i < 250 && c.outcome() != TcpOutcome.RESET; i++) {
                Thread.sleep(20);
            }
            assertThat(c.outcome()).as("the stray segment was answered with a RST by replica B")
                    .isEqualTo(TcpOutcome.RESET);
            assertThat(drops(metricsB, "no_flow")).isEqualTo(1);
        }
    }

    @Test
    void aUdpFlowToARealAddressStartsAnewOnTheOtherReplicaAtItsFirstDatagram() throws Exception {
        byte[] before = "on A".getBytes(StandardCharsets.US_ASCII);
        client.sendUdp(7000, LOOPBACK, echo.port(), before);
        assertThat(client.receiveUdp(7000, 10_000)).isEqualTo(before);

        failOverToB();
        byte[] after = "on B".getBytes(StandardCharsets.US_ASCII);
        client.sendUdp(7000, LOOPBACK, echo.port(), after);

        assertThat(client.receiveUdp(7000, 10_000)).as("first datagram after the failover").isEqualTo(after);
        assertThat(replicaB.activeFlows()).isEqualTo(1);
    }

    @Test
    void aUdpFlowToASyntheticAddressResumesOnTheOtherReplicaWithTheSameAddress() throws Exception {
        byte[] synthetic = syntheticAddressOf("udp.example.test");
        byte[] before = "synthetic on A".getBytes(StandardCharsets.US_ASCII);
        client.sendUdp(7001, synthetic, echo.port(), before);
        assertThat(client.receiveUdp(7001, 10_000)).isEqualTo(before);

        failOverToB();
        assertThat(syntheticAddressOf("udp.example.test")).as("replica B's answer for the same name")
                .isEqualTo(synthetic);
        byte[] after = "synthetic on B".getBytes(StandardCharsets.US_ASCII);
        client.sendUdp(7001, synthetic, echo.port(), after);

        assertThat(client.receiveUdp(7001, 10_000)).isEqualTo(after);
    }

    private byte[] syntheticAddressOf(String name) throws Exception {
        byte[] query = DnsMessageEncoder.encode(DnsMessage.query(0x1234,
                new DnsQuestion(DnsName.of(name), DnsType.A, DnsType.CLASS_IN), Optional.empty()));
        client.sendUdp(5353, TUNNEL_ADDRESS, 53, query);
        byte[] answer = client.receiveUdp(5353, 10_000);
        assertThat(answer).as("DNS answer").isNotNull();
        DnsMessage m = DnsMessageDecoder.decode(answer);
        assertThat(m.answers()).hasSize(1);
        return ((DnsRecord.Address) m.answers().get(0)).address().getAddress();
    }

    private static double drops(SimpleMeterRegistry registry, String reason) {
        var c = registry.find("pinhole.connector.drops").tag("reason", reason).counter();
        if (c != null) {
            return c.count();
        }
        var f = registry.find("pinhole.connector.drops").tag("reason", reason).functionCounter();
        return f == null ? 0 : f.count();
    }
}
