package dev.pinhole.dns.resolver;

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
import dev.pinhole.testing.RootTier;
import dev.pinhole.time.Ticker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a real DNS server: dnsmasq on a random 127.0.0.x address and high port, serving a small zone from a
 * hosts file; our resolver forwards to it and synthesizes. Needs {@code apt-get install -y dnsmasq-base}.
 */
@RootTier(requires = {"dnsmasq"})
class DnsmasqIntegrationTest {
    private static final Cidr APP_RANGE = Cidr.parse("100.80.0.0/12");

    @TempDir
    static Path dir;
    private static Process dnsmasq;
    private static InetSocketAddress dnsmasqAddress;
    private static UpstreamDnsClient upstream;
    private static SyntheticAddressPool pool;
    private static SimpleMeterRegistry registry;
    private static DnsQueryHandler handler;

    @BeforeAll
    static void startDnsmasq() throws Exception {
        StringBuilder hosts = new StringBuilder("""
                198.51.100.7 app.saas.test
                2001:db8::7 app.saas.test
                169.254.169.254 meta.saas.test
                127.0.0.1 local.saas.test
                192.0.2.99 other.example
                """);
        for (int i = 1; i <= 60; i++) {
            hosts.append("192.0.2.").append(i).append(" big.example\n");
        }
        Path hostsFile = dir.resolve("hosts");
        Files.writeString(hostsFile, hosts);
        hostsFile.toFile().setReadable(true, false);
        dir.toFile().setExecutable(true, false);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String listen = "127.0." + random.nextInt(1, 255) + "." + random.nextInt(2, 255);
        int port = random.nextInt(20_000, 60_000);
        dnsmasqAddress = new InetSocketAddress(InetAddress.getByName(listen), port);
        dnsmasq = new ProcessBuilder("dnsmasq", "--no-daemon", "--no-resolv", "--no-hosts", "--pid-file",
                "--addn-hosts=" + hostsFile, "--port=" + port, "--listen-address=" + listen, "--bind-interfaces",
                "--local-ttl=120", "--local=/saas.test/", "--local=/example/",
                "--cname=www.saas.test,app.saas.test")
                .redirectErrorStream(true).redirectOutput(dir.resolve("dnsmasq.log").toFile()).start();
        awaitDnsmasq();

        upstream = new UpstreamDnsClient(List.of(dnsmasqAddress), Duration.ofSeconds(2), 2, Ticker.system());
        pool = new SyntheticAddressPool(APP_RANGE, Optional.of(Cidr.parse("fd00:80::/64")), 1000,
                Duration.ofMinutes(10), Ticker.system());
        registry = new SimpleMeterRegistry();
        AppResolver resolver = new AppResolver(new AppResolverConfig(
                DomainMatcher.parse(List.of("saas.test", "*.saas.test")),
                new RealAddressPolicy(List.of(Cidr.parse("10.96.0.0/12")), List.of(APP_RANGE), List.of())),
                pool, new MicrometerDnsMetrics(registry, pool));
        handler = new DnsQueryHandler(resolver, upstream);
    }

    /** Polls until dnsmasq answers (any answer), or fails with its log. */
    private static void awaitDnsmasq() throws Exception {
        byte[] probe = query(1, "other.example", DnsType.A, false);
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(200);
            for (int i = 0; i < 50; i++) {
                if (!dnsmasq.isAlive()) {
                    break;
                }
                s.send(new DatagramPacket(probe, probe.length, dnsmasqAddress));
                try {
                    s.receive(new DatagramPacket(new byte[512], 512));
                    return;
                } catch (SocketTimeoutException e) {
                    // not up yet
                }
            }
        }
        throw new IllegalStateException("dnsmasq did not answer: " + Files.readString(dir.resolve("dnsmasq.log")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (upstream != null) {
            upstream.close();
        }
        if (dnsmasq != null) {
            dnsmasq.destroy();
            if (!dnsmasq.waitFor(5, TimeUnit.SECONDS)) {
                dnsmasq.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static DnsMessage ask(String name, int type, Transport transport) throws Exception {
        byte[] answer = handler.handle(query(ThreadLocalRandom.current().nextInt(0x10000), name, type, false), transport)
                .get(15, TimeUnit.SECONDS).orElseThrow();
        return decode(answer);
    }

    @Test
    void matchedNameIsSynthesizedAndMappedToDnsmasqsAnswer() throws Exception {
        DnsMessage r = ask("app.saas.test", DnsType.A, Transport.UDP);

        DnsRecord.Address rec = (DnsRecord.Address) r.answers().get(0);
        assertThat(APP_RANGE.contains(IpAddress.of(rec.address()))).isTrue();
        assertThat(rec.ttl()).isEqualTo(30);
        assertThat(pool.lookup(rec.address()).orElseThrow().realAddresses())
                .contains(InetAddress.getByName("198.51.100.7"));
    }

    @Test
    void aaaaIsSynthesizedFromTheIpv6Range() throws Exception {
        DnsMessage r = ask("app.saas.test", DnsType.AAAA, Transport.UDP);

        DnsRecord.Address rec = (DnsRecord.Address) r.answers().get(0);
        assertThat(Cidr.parse("fd00:80::/64").contains(IpAddress.of(rec.address()))).isTrue();
        assertThat(pool.lookup(rec.address()).orElseThrow().realIpv6())
                .containsExactly((java.net.Inet6Address) InetAddress.getByName("2001:db8::7"));
    }

    @Test
    void dnsmasqCnameIsFollowedAndFlattened() throws Exception {
        DnsMessage r = ask("www.saas.test", DnsType.A, Transport.UDP);

        assertThat(r.answers()).hasSize(1);
        DnsRecord.Address rec = (DnsRecord.Address) r.answers().get(0);
        assertThat(rec.name().key()).isEqualTo("www.saas.test");
        assertThat(pool.lookup(rec.address()).orElseThrow().realAddresses())
                .containsExactly(InetAddress.getByName("198.51.100.7"));
    }

    @Test
    void metadataAndLoopbackAnswersAreRefused() throws Exception {
        assertThat(ask("meta.saas.test", DnsType.A, Transport.UDP).rcode()).isEqualTo(DnsMessage.RCODE_REFUSED);
        assertThat(ask("local.saas.test", DnsType.A, Transport.UDP).rcode()).isEqualTo(DnsMessage.RCODE_REFUSED);
        assertThat(registry.find("pinhole.dns.refused").tag("reason", "cloud_metadata").counter().count()).isPositive();
        assertThat(registry.find("pinhole.dns.refused").tag("reason", "loopback").counter().count()).isPositive();
    }

    @Test
    void unknownMatchedNameIsNxdomain() throws Exception {
        assertThat(ask("missing.saas.test", DnsType.A, Transport.UDP).rcode()).isEqualTo(DnsMessage.RCODE_NXDOMAIN);
    }

    @Test
    void otherNamesAreForwardedToDnsmasq() throws Exception {
        DnsMessage r = ask("other.example", DnsType.A, Transport.UDP);

        assertThat(r.answers()).containsExactly(DnsTestMessages.a("other.example", 120, "192.0.2.99"));
    }

    @Test
    void bigAnswerTruncatedByDnsmasqIsFetchedOverTcp() throws Exception {
        // dnsmasq sets TC on UDP (no EDNS, 60 records > 512 octets); the upstream client retries over TCP.
        DnsMessage overTcp = ask("big.example", DnsType.A, Transport.TCP);
        DnsMessage overUdp = ask("big.example", DnsType.A, Transport.UDP);

        assertThat(overTcp.answers()).hasSize(60);
        assertThat(overUdp.isTruncated()).isTrue();
    }
}
