package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.dns.resolver.UpstreamDnsClient;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Keys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with a public address (no private range covers it, as on many clouds): the connector's own address,
 * where it serves {@code /status}, must not be reached through the tunnel, neither by a name that resolves to it
 * nor by a route that names it. Nobody sets PINHOLE_CLUSTER_CIDRS: the connector knows its own interfaces.
 */
@Adversarial
class OwnAddressEndToEndTest {
    static final byte[] TUNNEL_ADDRESS = {100, 96, 0, 1};

    @TempDir
    Path dir;
    InetAddress own;
    ServerSocket statusPort;
    TestDnsUpstream upstream;
    UpstreamDnsClient upstreamClient;
    WireGuardTestClient client;
    DataPlane dataPlane;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final String connectorKey = Keys.toBase64(Keys.generatePrivate());

    /** The first IPv4 address of an interface that is up and not loopback: what a pod's eth0 carries. */
    static InetAddress ownInterfaceAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLinkLocalAddress() && !a.isLoopbackAddress()) {
                    return a;
                }
            }
        }
        throw new AssertionError("this machine has no non-loopback IPv4 interface address to play the pod's own");
    }

    @BeforeEach
    void start() throws Exception {
        own = ownInterfaceAddress();
        statusPort = new ServerSocket(0, 4, own);
        statusPort.setSoTimeout(1_000);
        upstream = new TestDnsUpstream(Map.of("self.example.test", own));
        upstreamClient = new UpstreamDnsClient(List.of(upstream.address()), Duration.ofSeconds(2), 2,
                Ticker.system());
        client = new WireGuardTestClient("100.96.0.2");
        ConnectorConfig config = new ConnectorConfig(ConnectorConfig.FORMAT, "own", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("laptop-1", client.publicKey.toBase64(), "100.96.0.2/32")),
                List.of("*.example.test"), List.of(own.getHostAddress() + "/32"),
                new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0));
        Path cfg = dir.resolve("connector.json");
        Path key = dir.resolve("privateKey");
        Files.writeString(cfg, ConnectorConfigCodec.write(config));
        Files.writeString(key, connectorKey + "\n");
        // A public-IP node: no private default range covers the pod's address.
        dataPlane = DataPlane.start(LoadedConfig.load(cfg, key), DataPlane.Options.defaults()
                .withClusterRanges(List.of())
                .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withUpstream(upstreamClient), new DataPlaneMetrics(registry));
        client.connectTo(dataPlane.publicKey(), dataPlane.localAddress());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        dataPlane.close();
        upstreamClient.close();
        upstream.close();
        statusPort.close();
    }

    @Test
    void aNameResolvingToThePodsOwnAddressIsRefused() throws Exception {
        byte[] query = DnsMessageEncoder.encode(DnsMessage.query(0x1234,
                new DnsQuestion(DnsName.of("self.example.test"), DnsType.A, DnsType.CLASS_IN), Optional.empty()));
        client.sendUdp(5353, TUNNEL_ADDRESS, 53, query);
        byte[] answer = client.receiveUdp(5353, 10_000);

        assertThat(answer).as("DNS answer").isNotNull();
        assertThat(DnsMessageDecoder.decode(answer).rcode()).isEqualTo(DnsMessage.RCODE_REFUSED);
        assertThat(dataPlane.mappedNames()).isZero();
    }

    @Test
    void aRouteNamingThePodsOwnAddressStillDoesNotReachIt() throws Exception {
        TcpConnection c = client.openTcp(own.getAddress(), statusPort.getLocalPort());

        assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.RESET);
        assertThatThrownBy(statusPort::accept).isInstanceOf(SocketTimeoutException.class);
    }
}
