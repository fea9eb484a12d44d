package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.connector.WireGuardTestClient.TcpConnection;
import dev.pinhole.connector.WireGuardTestClient.TcpOutcome;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.InvalidConfigException;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.wireguard.Keys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client with an IPv6 tunnel address dials IPv4 destinations in IPv6 spellings, over a real WireGuard session
 * in one JVM: forbidden ones are refused (RST / ICMP) while the listener behind them sees nothing, a route that
 * spells forbidden IPv4 is refused at load, and no client packet ever makes the connector log a stack trace.
 */
@Adversarial
class Ipv6SpellingsEndToEndTest {
    static final String CLIENT = "fd00:96::2";

    @TempDir
    Path dir;
    WireGuardTestClient client;
    DataPlane dataPlane;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final String connectorKey = Keys.toBase64(Keys.generatePrivate());
    final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeEach
    void listen() throws Exception {
        client = new WireGuardTestClient(CLIENT);
        Logger.getLogger("dev.pinhole").addHandler(capture);
    }

    @AfterEach
    void stop() throws Exception {
        Logger.getLogger("dev.pinhole").removeHandler(capture);
        client.close();
        if (dataPlane != null) {
            dataPlane.close();
        }
    }

    ConnectorConfig config(List<String> routes) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "v6", "default",
                new ConnectorConfig.WireGuardInterface("fd00:96::1/64", 51820, 1420, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("laptop-6", client.publicKey.toBase64(), CLIENT + "/128")),
                List.of(), routes, new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0));
    }

    LoadedConfig load(ConnectorConfig config) throws Exception {
        Path cfg = dir.resolve("connector.json");
        Path key = dir.resolve("privateKey");
        Files.writeString(cfg, ConnectorConfigCodec.write(config));
        Files.writeString(key, connectorKey + "\n");
        return LoadedConfig.load(cfg, key);
    }

    void start(List<String> routes) throws Exception {
        dataPlane = DataPlane.start(load(config(routes)), DataPlane.Options.defaults()
                .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), new DataPlaneMetrics(registry));
        client.connectTo(dataPlane.publicKey(), dataPlane.localAddress());
    }

    static byte[] v6(String text) {
        return IpAddress.parse(text).toBytes();
    }

    List<LogRecord> stackTraces() {
        return logged.stream().filter(r -> r.getThrown() != null || r.getLevel().intValue() >= Level.SEVERE.intValue())
                .toList();
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
    void aRouteThatSpellsLoopbackAndMetadataInIpv6IsRefusedAtLoadNamingIt() {
        assertThatThrownBy(() -> load(config(List.of("127.0.0.1/32", "::/0"))))
                .isInstanceOf(InvalidConfigException.class)
                .satisfies(e -> assertThat(((InvalidConfigException) e).problems())
                        .anySatisfy(p -> assertThat(p.field()).isEqualTo("routes[1]")));
    }

    @Test
    void udpToTheMappedLoopbackIsRefusedAndTheListenerSeesNothing() throws Exception {
        try (DatagramSocket listener = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            listener.setSoTimeout(1_000);
            // Loopback named on purpose in IPv4: the IPv6 spelling still may not reach it.
            start(List.of("127.0.0.1/32", "2001:db8::/32"));
            client.sendUdp(6000, v6("::ffff:127.0.0.1"), listener.getLocalPort(), new byte[] {1, 2, 3});
            client.sendUdp(6001, v6("::ffff:169.254.169.254"), 80, new byte[] {1, 2, 3});

            assertThatThrownBy(() -> listener.receive(new DatagramPacket(new byte[64], 64)))
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(drops("no_route") + drops("forbidden_destination")).isEqualTo(2);
            assertThat(dataPlane.activeFlows()).isZero();
        }
        assertThat(stackTraces()).isEmpty();
    }

    @Test
    void tcpToTheMappedLoopbackGetsARstAndTheListenerSeesNothing() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(1_000);
            start(List.of("127.0.0.1/32", "2001:db8::/32"));
            TcpConnection c = client.openTcp(v6("::ffff:127.0.0.1"), listener.getLocalPort());

            assertThat(c.awaitOutcome(10_000)).isEqualTo(TcpOutcome.RESET);
            assertThatThrownBy(listener::accept).isInstanceOf(SocketTimeoutException.class);
        }
        assertThat(stackTraces()).isEmpty();
    }

    /** The route reaches only public 203.0.113.0/24: allowed, and the mixed families must not throw per SYN. */
    @Test
    void aSynToAPublicIpv4InMappedSpellingNeverLogsAStackTrace() throws Exception {
        start(List.of("::ffff:cb00:7100/120"));
        for (int i = 0; i < 5; i++) {
            client.openTcp(v6("::ffff:203.0.113.10"), 9);
        }
        Thread.sleep(1_500);

        assertThat(stackTraces()).as("log records with a stack trace or SEVERE").isEmpty();
    }
}
