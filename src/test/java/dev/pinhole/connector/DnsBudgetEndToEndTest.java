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
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.dns.message.Edns;
import dev.pinhole.dns.resolver.UpstreamDnsClient;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Keys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * One client tries to deny DNS to the others, through real WireGuard tunnels into one data plane: it floods
 * queries into a zone whose server never answers (each query would hold an upstream slot for seconds), maps
 * names until the pool would be full, and opens DNS-over-TCP sessions. The other client's lookups keep working.
 * The bounds come from the config's {@code limits} section, as the operator renders them.
 */
@Adversarial
class DnsBudgetEndToEndTest {
    static final byte[] TUNNEL_ADDRESS = {100, 96, 0, 1};
    static final int FLOOD = 1_500;

    @TempDir
    Path dir;
    TestDnsUpstream upstream;
    UpstreamDnsClient upstreamClient;
    WireGuardTestClient attacker;
    WireGuardTestClient victim;
    DataPlane dataPlane;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final String connectorKey = Keys.toBase64(Keys.generatePrivate());

    @BeforeEach
    void start() throws Exception {
        upstream = new TestDnsUpstream(Map.of("app.example.test", InetAddress.getLoopbackAddress()),
                "blackhole.example.test", "names.example.test", InetAddress.getLoopbackAddress());
        // Up to 3 s per query in the silent zone: long enough for a flood to pile up, as a dead zone does.
        upstreamClient = new UpstreamDnsClient(List.of(upstream.address()), Duration.ofMillis(1500), 2,
                Ticker.system());
        attacker = new WireGuardTestClient("100.96.0.2");
        victim = new WireGuardTestClient("100.96.0.3");
        ConnectorConfig config = new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("attacker", attacker.publicKey.toBase64(), "100.96.0.2/32"),
                        new ConnectorConfig.Client("victim", victim.publicKey.toBase64(), "100.96.0.3/32")),
                List.of("*.example.test"), List.of("127.0.0.1/32"),
                new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0), null,
                new ConnectorConfig.Limits(null, null, new ConnectorConfig.Limit(200L, null), null,
                        new ConnectorConfig.Limit(4L, null)));
        Path cfg = dir.resolve("connector.json");
        Path key = dir.resolve("privateKey");
        Files.writeString(cfg, ConnectorConfigCodec.write(config));
        Files.writeString(key, connectorKey + "\n");
        dataPlane = DataPlane.start(LoadedConfig.load(cfg, key), DataPlane.Options.defaults()
                .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withUpstream(upstreamClient), new DataPlaneMetrics(registry));
        attacker.connectTo(dataPlane.publicKey(), dataPlane.localAddress());
        victim.connectTo(dataPlane.publicKey(), dataPlane.localAddress());
    }

    @AfterEach
    void stop() throws Exception {
        attacker.close();
        victim.close();
        dataPlane.close();
        upstreamClient.close();
        upstream.close();
    }

    static byte[] query(int id, String name) throws Exception {
        return DnsMessageEncoder.encode(DnsMessage.query(id, new DnsQuestion(DnsName.of(name), DnsType.A,
                DnsType.CLASS_IN), Optional.of(Edns.of(1232))));
    }

    /** The victim's lookups: how many answered NOERROR with an address, and their latencies. */
    record Lookups(int ok, int total, List<Long> micros) {
        long percentile(double p) {
            List<Long> sorted = micros.stream().sorted().toList();
            return sorted.isEmpty() ? -1 : sorted.get((int) Math.min(sorted.size() - 1, p * sorted.size()));
        }
    }

    Lookups victimResolves(int count) throws Exception {
        int ok = 0;
        List<Long> micros = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            victim.sendUdp(6000, TUNNEL_ADDRESS, 53, query(i, "app.example.test"));
            byte[] answer = victim.receiveUdp(6000, 5_000);
            micros.add((System.nanoTime() - t0) / 1_000);
            if (answer != null) {
                DnsMessage m = DnsMessageDecoder.decode(answer);
                if (m.rcode() == DnsMessage.RCODE_NOERROR && m.answers().size() == 1) {
                    ok++;
                }
            }
        }
        return new Lookups(ok, count, micros);
    }

    double refusals(String resource) {
        var c = registry.find("pinhole.connector.budget.refusals").tag("resource", resource).functionCounter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aFloodIntoAZoneThatNeverAnswersLeavesTheOtherClientsLookupsWorking() throws Exception {
        Lookups before = victimResolves(20);

        for (int i = 0; i < FLOOD; i++) {
            attacker.sendUdp(7000 + (i % 50), TUNNEL_ADDRESS, 53, query(i, "q" + i + ".blackhole.example.test"));
            if (i % 50 == 49) {
                // Bursts of 50 the relay can take in: sent all at once on a loaded CI machine, most of the flood was
                // shed by the inbound queue before the DNS server saw it, so the budget refused nothing.
                Thread.sleep(10);
            }
        }
        Thread.sleep(300); // the flood is in flight now: the silent zone holds what it was sent
        Lookups during = victimResolves(100);

        System.out.printf("DNS flood (%d queries into a silent zone, %d reached the upstream): victim %d/%d lookups"
                        + " answered before, %d/%d during; latency during p50 %d us, p99 %d us, max %d us;"
                        + " dns_queries refusals %.0f%n", FLOOD, upstream.swallowed.get(), before.ok(),
                before.total(), during.ok(), during.total(), during.percentile(0.5), during.percentile(0.99),
                during.percentile(1.0), refusals("dns_queries"));
        assertThat(during.ok()).as("victim lookups answered during the flood").isEqualTo(during.total());
        assertThat(refusals("dns_queries")).as("attacker queries refused at once").isPositive();
    }

    @Test
    void aClientOverItsQuotaOfSyntheticNamesIsRefusedAndTheOtherStillMapsNames() throws Exception {
        int refused = 0;
        for (int i = 0; i < 260; i++) {
            attacker.sendUdp(8000, TUNNEL_ADDRESS, 53, query(i, "n" + i + ".names.example.test"));
            byte[] answer = attacker.receiveUdp(8000, 5_000);
            assertThat(answer).as("answer %d", i).isNotNull();
            if (DnsMessageDecoder.decode(answer).rcode() == DnsMessage.RCODE_REFUSED) {
                refused++;
            }
        }
        // A name whose synthetic address none of the attacker's names holds (the key is random: one of 200 names
        // could sit on a given name's address by chance).
        String victimName = null;
        for (int i = 0; victimName == null; i++) {
            var address = dataPlane.pool().addressOf(DnsName.of("victim" + i + ".names.example.test"));
            victimName = dataPlane.pool().lookup(address).isEmpty() ? "victim" + i + ".names.example.test" : null;
        }
        victim.sendUdp(8001, TUNNEL_ADDRESS, 53, query(1, victimName));
        DnsMessage victimAnswer = DnsMessageDecoder.decode(victim.receiveUdp(8001, 5_000));

        assertThat(refused).as("attacker names over its quota of 200").isEqualTo(60);
        assertThat(dataPlane.mappedNames()).isEqualTo(201);
        assertThat(victimAnswer.rcode()).isEqualTo(DnsMessage.RCODE_NOERROR);
        // Each refusal is the quota's, or (rarely, about 2% of keys) a hash collision among the 260 names.
        assertThat(refusals("synthetic_names") + dataPlane.pool().collisions()).isEqualTo(60);
    }

    @Test
    void aClientGetsItsShareOfDnsOverTcpSessionsAndTheOtherStillGetsOne() throws Exception {
        List<TcpConnection> sessions = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sessions.add(attacker.openTcp(TUNNEL_ADDRESS, 53));
        }
        int established = 0;
        int reset = 0;
        for (TcpConnection c : sessions) {
            TcpOutcome o = c.awaitOutcome(5_000);
            established += o == TcpOutcome.ESTABLISHED ? 1 : 0;
            reset += o == TcpOutcome.RESET ? 1 : 0;
        }
        TcpConnection mine = victim.openTcp(TUNNEL_ADDRESS, 53);

        assertThat(established).as("attacker sessions within its share of 4").isEqualTo(4);
        assertThat(reset).isEqualTo(6);
        assertThat(mine.awaitOutcome(5_000)).isEqualTo(TcpOutcome.ESTABLISHED);
        assertThat(refusals("dns_tcp_sessions")).isEqualTo(6);
    }
}
