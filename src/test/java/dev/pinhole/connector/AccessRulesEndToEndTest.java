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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access rules through the whole connector: two WireGuard clients in different groups reach only their own app,
 * by name and by route; DNS refuses the other group's name; a reload that moves a client out of its group ends its
 * open flow and refuses its names at once. The connector runs in this JVM with its real watcher, over real UDP on
 * 127.0.0.1 (the network-namespace tier does the same with wireguard-go: docs/access.md).
 */
@Adversarial
class AccessRulesEndToEndTest {
    static final byte[] TUNNEL_ADDRESS = {100, 96, 0, 1};
    /** The sales app's route (a loopback address no other rule grants). */
    static final byte[] SALES_ROUTE = {127, 0, 0, 1};
    static final byte[] ENG_ROUTE = {127, 0, 0, 2};

    @TempDir
    Path dir;
    Path configFile;
    TestDnsUpstream upstream;
    UpstreamDnsClient upstreamClient;
    ServerSocket app;
    final List<Socket> accepted = new ArrayList<>();
    WireGuardTestClient alice;
    WireGuardTestClient bob;
    ConnectorMain.ConnectorProcess process;
    final AtomicInteger queryIds = new AtomicInteger(0x1000);

    @BeforeEach
    void start() throws Exception {
        app = new ServerSocket(0, 50, InetAddress.getByName("0.0.0.0"));
        upstream = new TestDnsUpstream(Map.of("crm.example.test", InetAddress.getLoopbackAddress(),
                "code.example.test", InetAddress.getLoopbackAddress()));
        upstreamClient = new UpstreamDnsClient(List.of(upstream.address()), Duration.ofSeconds(2), 2,
                Ticker.system());
        alice = new WireGuardTestClient("100.96.0.2");
        bob = new WireGuardTestClient("100.96.0.3");
        configFile = dir.resolve("connector.json");
        Path keyFile = dir.resolve("privateKey");
        Files.writeString(keyFile, Keys.toBase64(Keys.generatePrivate()) + "\n");
        write(config(List.of("sales")));
        process = ConnectorMain.ConnectorProcess.start(new ConnectorArgs(configFile, keyFile, 0, 0),
                LoadedConfig.load(configFile, keyFile), DataPlane.Options.defaults()
                        .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                        .withUpstream(upstreamClient));
        alice.connectTo(process.dataPlane().publicKey(), process.dataPlane().localAddress());
        bob.connectTo(process.dataPlane().publicKey(), process.dataPlane().localAddress());
    }

    @AfterEach
    void stop() throws Exception {
        alice.close();
        bob.close();
        process.close();
        for (Socket s : accepted) {
            s.close();
        }
        app.close();
        upstreamClient.close();
        upstream.close();
    }

    /** alice in {@code aliceGroups}, bob in eng; sales reaches crm and 127.0.0.1, eng code and 127.0.0.2. */
    ConnectorConfig config(List<String> aliceGroups) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("alice", alice.publicKey.toBase64(), "100.96.0.2/32",
                                aliceGroups),
                        new ConnectorConfig.Client("bob", bob.publicKey.toBase64(), "100.96.0.3/32", List.of("eng"))),
                List.of("crm.example.test", "code.example.test"), List.of("127.0.0.0/30"),
                new ConnectorConfig.Egress("203.0.113.10", null, false), new ConnectorConfig.Dns(List.of()),
                new ConnectorConfig.Http(0), null, null, List.of(
                        new ConnectorConfig.AccessRule("crm", List.of("sales"), null, List.of("crm.example.test"),
                                List.of("127.0.0.1/32")),
                        new ConnectorConfig.AccessRule("code", List.of("eng"), null, List.of("code.example.test"),
                                List.of("127.0.0.2/32"))));
    }

    void write(ConnectorConfig config) throws Exception {
        Files.writeString(configFile, ConnectorConfigCodec.write(config));
    }

    /** The DNS answer to an A query for {@code name} from {@code client}. */
    DnsMessage lookup(WireGuardTestClient client, String name) throws Exception {
        int id = queryIds.incrementAndGet();
        byte[] query = DnsMessageEncoder.encode(DnsMessage.query(id,
                new DnsQuestion(DnsName.of(name), DnsType.A, DnsType.CLASS_IN), Optional.empty()));
        client.sendUdp(5353, TUNNEL_ADDRESS, 53, query);
        byte[] answer = client.receiveUdp(5353, 10_000);
        assertThat(answer).as("DNS answer for " + name).isNotNull();
        return DnsMessageDecoder.decode(answer);
    }

    byte[] syntheticAddressOf(WireGuardTestClient client, String name) throws Exception {
        DnsMessage m = lookup(client, name);
        assertThat(m.rcode()).as("rcode for " + name).isEqualTo(DnsMessage.RCODE_NOERROR);
        return ((DnsRecord.Address) m.answers().get(0)).address().getAddress();
    }

    TcpOutcome connect(WireGuardTestClient client, byte[] to) throws Exception {
        TcpConnection c = client.openTcp(to, app.getLocalPort());
        TcpOutcome outcome = c.awaitOutcome(10_000);
        if (outcome == TcpOutcome.ESTABLISHED) {
            accepted.add(app.accept());
        }
        return outcome;
    }

    @Test
    void eachClientReachesItsGroupsAppByNameAndByRouteAndNothingOfTheOtherGroup() throws Exception {
        byte[] crm = syntheticAddressOf(alice, "crm.example.test");
        byte[] code = syntheticAddressOf(bob, "code.example.test");

        assertThat(connect(alice, crm)).as("alice to crm by name").isEqualTo(TcpOutcome.ESTABLISHED);
        assertThat(connect(alice, SALES_ROUTE)).as("alice to sales' route").isEqualTo(TcpOutcome.ESTABLISHED);
        assertThat(connect(bob, code)).as("bob to code by name").isEqualTo(TcpOutcome.ESTABLISHED);
        assertThat(connect(bob, ENG_ROUTE)).as("bob to eng's route").isEqualTo(TcpOutcome.ESTABLISHED);

        assertThat(lookup(alice, "code.example.test").rcode()).as("alice asks for code")
                .isEqualTo(DnsMessage.RCODE_REFUSED);
        assertThat(lookup(bob, "crm.example.test").rcode()).as("bob asks for crm")
                .isEqualTo(DnsMessage.RCODE_REFUSED);
        assertThat(connect(alice, code)).as("alice dials code's synthetic address").isEqualTo(TcpOutcome.RESET);
        assertThat(connect(alice, ENG_ROUTE)).as("alice to eng's route").isEqualTo(TcpOutcome.RESET);
        assertThat(connect(bob, crm)).as("bob dials crm's synthetic address").isEqualTo(TcpOutcome.RESET);
        assertThat(connect(bob, SALES_ROUTE)).as("bob to sales' route").isEqualTo(TcpOutcome.RESET);
    }

    @Test
    void movingAClientOutOfItsGroupEndsItsOpenFlowAndRefusesItsNamesAtOnce() throws Exception {
        byte[] crm = syntheticAddressOf(alice, "crm.example.test");
        TcpConnection open = alice.openTcp(crm, app.getLocalPort());
        assertThat(open.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);
        accepted.add(app.accept());
        byte[] code = syntheticAddressOf(bob, "code.example.test");
        TcpConnection bobs = bob.openTcp(code, app.getLocalPort());
        assertThat(bobs.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);
        accepted.add(app.accept());

        write(config(List.of("eng")));
        assertThat(process.watcher().poll()).isTrue();

        open.readToEnd(5_000);
        assertThat(open.outcome()).as("alice's open flow to crm").isEqualTo(TcpOutcome.RESET);
        assertThat(lookup(alice, "crm.example.test").rcode()).as("alice asks for crm again")
                .isEqualTo(DnsMessage.RCODE_REFUSED);
        assertThat(connect(alice, crm)).as("a new flow to crm's address").isEqualTo(TcpOutcome.RESET);
        assertThat(connect(alice, syntheticAddressOf(alice, "code.example.test"))).as("alice now reaches code")
                .isEqualTo(TcpOutcome.ESTABLISHED);
        assertThat(bobs.outcome()).as("bob's flow, still granted").isEqualTo(TcpOutcome.ESTABLISHED);
    }
}
