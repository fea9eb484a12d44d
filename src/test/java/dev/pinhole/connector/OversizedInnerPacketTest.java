package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.testing.UdpEchoServer;
import dev.pinhole.wireguard.Keys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that ignores the tunnel MTU: WireGuard carries inner packets up to 64 KiB, and each used to grow the
 * hand-off queue's slot it landed in for good. Through a real tunnel, a packet above the MTU is dropped before it
 * is queued and counted as {@code over_mtu}; one of exactly the MTU still goes through.
 */
@Adversarial
class OversizedInnerPacketTest {
    static final int MTU = 1420;

    @TempDir
    Path dir;
    UdpEchoServer echo;
    WireGuardTestClient client;
    DataPlane dataPlane;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws Exception {
        echo = UdpEchoServer.start();
        client = new WireGuardTestClient("100.96.0.2");
        ConnectorConfig config = new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, MTU, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("laptop-1", client.publicKey.toBase64(), "100.96.0.2/32")),
                List.of("*.example.test"), List.of("127.0.0.1/32"),
                new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0));
        Path cfg = dir.resolve("connector.json");
        Path key = dir.resolve("privateKey");
        Files.writeString(cfg, ConnectorConfigCodec.write(config));
        Files.writeString(key, Keys.toBase64(Keys.generatePrivate()) + "\n");
        dataPlane = DataPlane.start(LoadedConfig.load(cfg, key), DataPlane.Options.defaults()
                .withBind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), new DataPlaneMetrics(registry));
        client.connectTo(dataPlane.publicKey(), dataPlane.localAddress());
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        dataPlane.close();
        echo.close();
    }

    double overMtuDrops() {
        var c = registry.find("pinhole.connector.drops").tag("reason", "over_mtu").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void anInnerPacketAboveTheMtuIsDroppedAndCountedAndOneAtTheMtuPasses() throws Exception {
        byte[] loopback = {127, 0, 0, 1};
        client.sendUdp(7000, loopback, echo.port(), new byte[4_000 - 28]);
        client.sendUdp(7000, loopback, echo.port(), new byte[MTU + 1 - 28]);

        client.sendUdp(7001, loopback, echo.port(), new byte[MTU - 28]);
        byte[] echoed = client.receiveUdp(7001, 10_000);

        assertThat(echoed).as("the packet of exactly the MTU was echoed").hasSize(MTU - 28);
        assertThat(client.receiveUdp(7000, 500)).as("nothing of the oversized packets reached the app").isNull();
        assertThat(overMtuDrops()).isEqualTo(2);
    }
}
