package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
 * A client answered far more synthetic names than its quota (names other clients mapped cost it nothing) holds at
 * most its quota of answers: the oldest is forgotten, and a flow to it is refused until the app resolves again.
 */
@Adversarial
class ClientAnswersBoundEndToEndTest {
    static final byte[] TUNNEL_ADDRESS = {100, 96, 0, 1};
    static final int QUOTA = 4;
    static final int CREATORS = 3;

    @TempDir
    Path dir;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TestDnsUpstream upstream;
    UpstreamDnsClient upstreamClient;
    ServerSocket app;
    final List<Socket> accepted = new ArrayList<>();
    WireGuardTestClient reader;
    final List<WireGuardTestClient> creators = new ArrayList<>();
    DataPlane dataPlane;

    @BeforeEach
    void start() throws Exception {
        app = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        upstream = new TestDnsUpstream(Map.of(), "silent.example.test", "names.example.test",
                InetAddress.getLoopbackAddress());
        upstreamClient = new UpstreamDnsClient(List.of(upstream.address()), Duration.ofSeconds(2), 2,
                Ticker.system());
        reader = new WireGuardTestClient("100.96.0.2");
        List<ConnectorConfig.Client> clients = new ArrayList<>();
        clients.add(new ConnectorConfig.Client("reader", reader.publicKey.toBase64(), "100.96.0.2/32"));
        for (int i = 0; i < CREATORS; i++) {
            WireGuardTestClient c = new WireGuardTestClient("100.96.0." + (3 + i));
            creators.add(c);
            clients.add(new ConnectorConfig.Client("creator-" + i, c.publicKey.toBase64(), "100.96.0." + (3 + i)
                    + "/32"));
        }
        ConnectorConfig config = new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"), clients,
                List.of("*.example.test"), List.of("127.0.0.1/32"),
                new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0), null,
                new ConnectorConfig.Limits(null, null, new ConnectorConfig.Limit((long) QUOTA, null), null, null));
        Path cfg = dir.resolve("connector.json");
        Path key = dir.resolve("privateKey");
        Files.writeString(cfg, ConnectorConfigCodec.write(config));
        Files.writeString(key, Keys.toBase64(Keys.generatePrivate()) + "\n");
        dataPlane = DataPlane.start(LoadedConfig.load(cfg, key), DataPlane.Options.defaults()
                .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withUpstream(upstreamClient), new DataPlaneMetrics(registry));
        reader.connectTo(dataPlane.publicKey(), dataPlane.localAddress());
        for (WireGuardTestClient c : creators) {
            c.connectTo(dataPlane.publicKey(), dataPlane.localAddress());
        }
    }

    @AfterEach
    void stop() throws Exception {
        reader.close();
        for (WireGuardTestClient c : creators) {
            c.close();
        }
        dataPlane.close();
        for (Socket s : accepted) {
            s.close();
        }
        app.close();
        upstreamClient.close();
        upstream.close();
    }

    static DnsMessage ask(WireGuardTestClient c, String name) throws Exception {
        c.sendUdp(5353, TUNNEL_ADDRESS, 53, DnsMessageEncoder.encode(DnsMessage.query(7,
                new DnsQuestion(DnsName.of(name), DnsType.A, DnsType.CLASS_IN), Optional.empty())));
        byte[] answer = c.receiveUdp(5353, 10_000);
        assertThat(answer).as("DNS answer for " + name).isNotNull();
        return DnsMessageDecoder.decode(answer);
    }

    @Test
    void answersBeyondTheQuotaForgetTheOldestAndItsFlowsAreRefusedUntilResolvedAgain() throws Exception {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < CREATORS; c++) {
            for (int i = 0; i < QUOTA; i++) {
                String name = "c" + c + "n" + i + ".names.example.test";
                assertThat(ask(creators.get(c), name).rcode()).as(name).isEqualTo(DnsMessage.RCODE_NOERROR);
                names.add(name);
            }
        }
        List<byte[]> addresses = new ArrayList<>();
        for (String name : names) {
            DnsMessage m = ask(reader, name); // mapped already: costs the reader none of its quota
            assertThat(m.rcode()).as(name).isEqualTo(DnsMessage.RCODE_NOERROR);
            addresses.add(((DnsRecord.Address) m.answers().get(0)).address().getAddress());
            assertThat(dataPlane.answersHeld("reader")).isLessThanOrEqualTo(QUOTA);
        }

        assertThat(dataPlane.answersHeld("reader")).isEqualTo(QUOTA);
        assertThat(reader.openTcp(addresses.get(0), app.getLocalPort()).awaitOutcome(10_000))
                .as("a flow to the oldest, forgotten answer").isEqualTo(TcpOutcome.RESET);
        assertThat(reader.openTcp(addresses.get(names.size() - 1), app.getLocalPort()).awaitOutcome(10_000))
                .as("a flow to the latest answer").isEqualTo(TcpOutcome.ESTABLISHED);
        accepted.add(app.accept());
        assertThat(registry.find("pinhole.connector.drops").tag("reason", "not_resolved").counter().count())
                .isEqualTo(1);

        ask(reader, names.get(0)); // the app resolves again
        assertThat(reader.openTcp(addresses.get(0), app.getLocalPort()).awaitOutcome(10_000))
                .as("the same name's address after a new lookup").isEqualTo(TcpOutcome.ESTABLISHED);
        accepted.add(app.accept());
    }

    static ConnectorConfig withClients(int count, ConnectorConfig.Limit names) {
        List<ConnectorConfig.Client> clients = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            clients.add(new ConnectorConfig.Client("c" + i,
                    Keys.toBase64(Keys.publicFromPrivate(Keys.generatePrivate())), "100.96.1." + i + "/32"));
        }
        return new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/16", 51820, 1420, "100.80.0.0/12"), clients,
                List.of("*.example.test"), List.of(), new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0), null,
                names == null ? null : new ConnectorConfig.Limits(null, null, names, null, null));
    }

    static int boundFor(ConnectorConfig config) {
        var pool = new dev.pinhole.dns.synthetic.SyntheticAddressPool(dev.pinhole.ipset.Cidr.parse("100.80.0.0/12"),
                Optional.empty(), 65_536, Duration.ofMinutes(10), Ticker.system());
        return DataPlane.answersBound(new dev.pinhole.budget.ResourceBudget(BudgetSettings.quotas(config)), pool,
                config);
    }

    @Test
    void allClientsTogetherRememberAboutTheTotalQuotaNotClientsTimesTheirQuota() {
        assertThat(boundFor(withClients(4, null))).as("few clients: each its quota").isEqualTo(1_024);
        assertThat(boundFor(withClients(256, null))).as("256 clients: an even share of 65,536").isEqualTo(256);
        assertThat(boundFor(withClients(256, new ConnectorConfig.Limit(1_024L, 100L))))
                .as("a tiny total still leaves each client a few").isEqualTo(DataPlane.MIN_ANSWERS_PER_CLIENT);
    }
}
