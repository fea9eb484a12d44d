package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.netstack.packet.IcmpType;
import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Keys;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas (two connectors in this JVM, same key, same config, a /30 app range so two names share an address)
 * and a client that resolved x on replica A fails over to replica B, where another client made the same address
 * y's. The client's TCP SYN to that address gets a RST and its UDP datagram an ICMP error, y's app sees nothing,
 * and asking B for x is refused (its address is y's there), never answered with another address.
 */
@Adversarial
class SyntheticAddressFailoverTest {
    static final byte[] TUNNEL_ADDRESS = {100, 96, 0, 1};
    static final String APP_RANGE = "100.80.0.0/30";
    static final InetAddress X_REAL = loopback(1);
    static final InetAddress Y_REAL = loopback(2);

    @TempDir
    Path dir;
    byte[] privateKey;
    String x = "x.example.test";
    String y;
    TestDnsUpstream upstream;
    UpstreamDnsClient upstreamClient;
    ServerSocket yApp;
    ServerSocket xApp;
    DatagramSocket yUdp;
    final List<Socket> accepted = new ArrayList<>();
    WireGuardTestClient laptop;
    WireGuardTestClient other;
    ConnectorMain.ConnectorProcess replicaA;
    ConnectorMain.ConnectorProcess replicaB;
    final HttpClient http = HttpClient.newHttpClient();

    static InetAddress loopback(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void start() throws Exception {
        privateKey = Keys.generatePrivate();
        // Both replicas place names with the key they derive from the shared private key: find a name whose
        // address is x's, as a hash collision (or an idle recycle) makes one.
        SyntheticAddressPool sameKey = new SyntheticAddressPool(Cidr.parse(APP_RANGE), Optional.empty(), 2,
                Duration.ofMinutes(10), Ticker.system(), DataPlane.nameKey(privateKey));
        for (int i = 0; y == null; i++) {
            if (sameKey.addressOf(DnsName.of("y" + i + ".example.test")).equals(sameKey.addressOf(DnsName.of(x)))) {
                y = "y" + i + ".example.test";
            }
        }
        yApp = new ServerSocket(0, 50, Y_REAL);
        xApp = new ServerSocket(yApp.getLocalPort(), 50, X_REAL);
        yUdp = new DatagramSocket(new InetSocketAddress(Y_REAL, yApp.getLocalPort()));
        upstream = new TestDnsUpstream(Map.of(x, X_REAL, y, Y_REAL));
        upstreamClient = new UpstreamDnsClient(List.of(upstream.address()), Duration.ofSeconds(2), 2,
                Ticker.system());
        laptop = new WireGuardTestClient("100.96.0.2");
        other = new WireGuardTestClient("100.96.0.3");
        Path configFile = dir.resolve("connector.json");
        Path keyFile = dir.resolve("privateKey");
        Files.writeString(keyFile, Keys.toBase64(privateKey) + "\n");
        Files.writeString(configFile, ConnectorConfigCodec.write(new ConnectorConfig(ConnectorConfig.FORMAT, "demo",
                "default", new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, APP_RANGE),
                List.of(client("laptop", laptop), client("other", other)), List.of("*.example.test"),
                List.of("127.0.0.0/29"), new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0))));
        replicaA = replica(configFile, keyFile);
        replicaB = replica(configFile, keyFile);
        laptop.connectTo(replicaA.dataPlane().publicKey(), replicaA.dataPlane().localAddress());
        other.connectTo(replicaB.dataPlane().publicKey(), replicaB.dataPlane().localAddress());
    }

    ConnectorMain.ConnectorProcess replica(Path configFile, Path keyFile) throws Exception {
        return ConnectorMain.ConnectorProcess.start(new ConnectorArgs(configFile, keyFile, 0, 0),
                LoadedConfig.load(configFile, keyFile), DataPlane.Options.defaults()
                        .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .withUpstream(upstreamClient));
    }

    @AfterEach
    void stop() throws Exception {
        laptop.close();
        other.close();
        replicaA.close();
        replicaB.close();
        for (Socket s : accepted) {
            s.close();
        }
        xApp.close();
        yApp.close();
        yUdp.close();
        upstreamClient.close();
        upstream.close();
    }

    static ConnectorConfig.Client client(String name, WireGuardTestClient c) throws Exception {
        return new ConnectorConfig.Client(name, c.publicKey.toBase64(),
                InetAddress.getByAddress(c.address).getHostAddress() + "/32");
    }

    static DnsMessage ask(WireGuardTestClient c, String name) throws Exception {
        byte[] query = DnsMessageEncoder.encode(DnsMessage.query(0x1234,
                new DnsQuestion(DnsName.of(name), DnsType.A, DnsType.CLASS_IN), Optional.empty()));
        c.sendUdp(5353, TUNNEL_ADDRESS, 53, query);
        byte[] answer = c.receiveUdp(5353, 10_000);
        assertThat(answer).as("DNS answer for " + name).isNotNull();
        return DnsMessageDecoder.decode(answer);
    }

    static byte[] addressOf(DnsMessage answer) {
        assertThat(answer.rcode()).isEqualTo(DnsMessage.RCODE_NOERROR);
        return ((DnsRecord.Address) answer.answers().get(0)).address().getAddress();
    }

    double metric(ConnectorMain.ConnectorProcess replica, String name, String label) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.httpPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String l : body.split("\n")) {
            if (l.startsWith(name + "{") && l.substring(0, l.indexOf('}') + 1).contains(label)) {
                return Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1).trim());
            }
        }
        return 0;
    }

    @Test
    void aClientFailingOverWithAnAddressNowAnotherNamesIsRefusedAndTheOtherAppSeesNothing() throws Exception {
        byte[] xOnA = addressOf(ask(laptop, x));
        assertThat(laptop.openTcp(xOnA, xApp.getLocalPort()).awaitOutcome(10_000)).as("x through replica A")
                .isEqualTo(TcpOutcome.ESTABLISHED);
        accepted.add(xApp.accept());
        byte[] yOnB = addressOf(ask(other, y));
        assertThat(yOnB).as("y's address on B is x's on A").isEqualTo(xOnA);
        assertThat(other.openTcp(yOnB, yApp.getLocalPort()).awaitOutcome(10_000)).as("y through B, for its asker")
                .isEqualTo(TcpOutcome.ESTABLISHED);
        accepted.add(yApp.accept());

        laptop.moveTo(replicaB.dataPlane().publicKey(), replicaB.dataPlane().localAddress());
        laptop.other.clear();

        assertThat(laptop.openTcp(xOnA, yApp.getLocalPort()).awaitOutcome(10_000))
                .as("the laptop's SYN to x's old address, now y's on B").isEqualTo(TcpOutcome.RESET);
        yApp.setSoTimeout(1_000);
        assertThatThrownBy(yApp::accept).as("y's app got no connection from the laptop")
                .isInstanceOf(SocketTimeoutException.class);

        laptop.sendUdp(6200, xOnA, yUdp.getLocalPort(), new byte[] {42});
        byte[] notice = laptop.other.poll(10, TimeUnit.SECONDS);
        assertThat(notice).as("an ICMP error for the laptop's datagram").isNotNull();
        var icmp = (ParseResult.IcmpMessage) new PacketParser().parse(ByteBuffer.wrap(notice));
        assertThat(icmp.icmp().type()).isEqualTo(IcmpType.V4_DESTINATION_UNREACHABLE);
        assertThat(icmp.icmp().code()).isEqualTo(IcmpType.V4_CODE_ADMIN_PROHIBITED);
        yUdp.setSoTimeout(1_000);
        assertThatThrownBy(() -> yUdp.receive(new DatagramPacket(new byte[64], 64)))
                .as("y's app got no datagram").isInstanceOf(SocketTimeoutException.class);
        assertThat(metric(replicaB, "pinhole_connector_drops_total", "reason=\"not_resolved\"")).isEqualTo(2);

        DnsMessage again = ask(laptop, x);
        assertThat(again.rcode()).as("x re-resolved on B: its address is y's there").isEqualTo(
                DnsMessage.RCODE_REFUSED);
        assertThat(metric(replicaB, "pinhole_connector_drops_total", "reason=\"dns_name_collision\"")).isEqualTo(1);
        assertThat(replicaB.dataPlane().status()).containsEntry("nameCollisions", 1L);
    }
}
