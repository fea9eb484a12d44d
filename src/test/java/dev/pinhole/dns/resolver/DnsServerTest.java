package dev.pinhole.dns.resolver;

import static dev.pinhole.dns.resolver.DnsTestMessages.a;
import static dev.pinhole.dns.resolver.DnsTestMessages.answer;
import static dev.pinhole.dns.resolver.DnsTestMessages.decode;
import static dev.pinhole.dns.resolver.DnsTestMessages.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.message.DnsRecord;
import dev.pinhole.dns.message.DnsType;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.time.Ticker;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole path on real sockets: client -> DnsServer -> AppResolver -> UpstreamDnsClient -> scripted upstream. */
class DnsServerTest {
    private static final Cidr APP_RANGE = Cidr.parse("100.80.0.0/12");
    private ScriptedUpstream upstream;
    private UpstreamDnsClient client;
    private DnsServer server;
    private SyntheticAddressPool pool;

    @BeforeEach
    void start() throws Exception {
        upstream = new ScriptedUpstream((q, t) -> {
            DnsMessage m = decode(q);
            String name = m.questions().get(0).name().key();
            return switch (name) {
                case "app.saas.test" -> List.of(answer(q, 0, a("app.saas.test", 300, "198.51.100.7")));
                case "other.example" -> List.of(answer(q, 0, a("other.example", 300, "192.0.2.99")));
                default -> List.of(answer(q, DnsMessage.RCODE_NXDOMAIN));
            };
        });
        client = new UpstreamDnsClient(List.of(upstream.address()), Duration.ofSeconds(2), 2, Ticker.system());
        pool = new SyntheticAddressPool(APP_RANGE, Optional.empty(), 100, Duration.ofMinutes(10), Ticker.system());
        AppResolver resolver = new AppResolver(new AppResolverConfig(DomainMatcher.parse(List.of("*.saas.test")),
                new RealAddressPolicy(List.of(), List.of(APP_RANGE), List.of())), pool, DnsMetrics.NONE);
        server = DnsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new DnsQueryHandler(resolver, client));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        client.close();
        upstream.close();
    }

    private DnsMessage udp(byte[] query) throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(10_000);
            s.send(new DatagramPacket(query, query.length, server.address()));
            DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
            s.receive(p);
            return decode(Arrays.copyOf(p.getData(), p.getLength()));
        }
    }

    @Test
    void matchedNameOverUdpGetsASyntheticAddressMappedToTheRealOne() throws Exception {
        DnsMessage r = udp(query(0x0101, "app.saas.test", DnsType.A, true));

        InetAddress synthetic = ((DnsRecord.Address) r.answers().get(0)).address();
        assertThat(r.id()).isEqualTo(0x0101);
        assertThat(APP_RANGE.contains(IpAddress.of(synthetic))).isTrue();
        assertThat(r.answers().get(0).ttl()).isEqualTo(30);
        assertThat(pool.lookup(synthetic).orElseThrow().realAddresses())
                .containsExactly(InetAddress.getByName("198.51.100.7"));
    }

    @Test
    void otherNameIsRelayedFromUpstream() throws Exception {
        DnsMessage r = udp(query(0x0202, "other.example", DnsType.A, false));

        assertThat(r.id()).isEqualTo(0x0202);
        assertThat(r.answers()).containsExactly(a("other.example", 300, "192.0.2.99"));
    }

    @Test
    void tcpConnectionCarriesSeveralQueriesInOrder() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(server.address(), 10_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            for (byte[] q : List.of(query(1, "app.saas.test", DnsType.A, false), query(2, "other.example", DnsType.A, false))) {
                out.write(new byte[] {(byte) (q.length >>> 8), (byte) q.length});
                out.write(q);
            }
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            for (int id = 1; id <= 2; id++) {
                byte[] r = new byte[in.readUnsignedShort()];
                in.readFully(r);
                assertThat(decode(r).id()).isEqualTo(id);
                assertThat(decode(r).answers()).hasSize(1);
            }
        }
    }

    @Test
    void garbageGetsNoAnswerAndTheServerKeepsServing() throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(10_000);
            s.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, server.address()));
            byte[] q = query(3, "other.example", DnsType.A, false);
            s.send(new DatagramPacket(q, q.length, server.address()));

            DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
            s.receive(p);

            // garbage is dropped at once while the real query waits for upstream: had it been answered,
            // that answer would have arrived first
            assertThat(decode(Arrays.copyOf(p.getData(), p.getLength())).id()).isEqualTo(3);
        }
    }
}
