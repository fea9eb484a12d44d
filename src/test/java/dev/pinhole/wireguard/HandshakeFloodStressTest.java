package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Many sources flood the responder with initiations (valid MAC1, no cookie) while an established peer keeps
 * talking: cookie mode engages, the flood gets only cookie replies, and the peer's traffic all arrives.
 */
class HandshakeFloodStressTest {
    private final TestNet net = new TestNet();
    private final TestNet.Node server = net.node("192.0.2.2");
    private final TestNet.Node client = net.node("192.0.2.1");

    @Test
    void establishedPeerKeepsItsTrafficWhileAFloodGetsOnlyCookies() {
        TestNet.pair(client, "100.64.0.1", server, "100.64.0.2");
        client.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "before".getBytes()));
        net.pump();
        assertThat(server.delivered).hasSize(1);

        TestNet.Node attacker = net.node("198.51.100.1");
        attacker.device.upsertPeer(PeerConfig.of(server.publicKey(), List.of(Cidr.parse("10.0.0.0/8")))
                .withEndpoint(server.address));
        attacker.device.initiateHandshake(server.publicKey(), net.ticker.nanoTime(), attacker);
        byte[] flood = attacker.sent.get(0).bytes();
        net.wire.clear();

        int sent = 0;
        int floodPackets = 0;
        for (int step = 0; step < 100; step++) {
            net.advance(Duration.ofMillis(50));
            for (int i = 0; i < 40; i++) {
                int n = floodPackets++;
                InetSocketAddress from = new InetSocketAddress(
                        "203.0.113." + (n % 254 + 1), 1024 + (n / 254) % 60000);
                server.device.onDatagram(ByteBuffer.wrap(flood), from, net.ticker.nanoTime(), server);
            }
            client.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", ("data " + step).getBytes()));
            sent++;
            server.tick();
            client.tick();
            net.wire.removeIf(d -> d.to().getAddress().getHostAddress().startsWith("203.0.113."));
            net.pump();
        }
        assertThat(server.delivered).hasSize(1 + sent);
        long cookieReplies = server.sent.stream().filter(d -> d.bytes()[0] == 3).count();
        long responses = server.sent.stream().filter(d -> d.bytes()[0] == 2).count();
        assertThat(cookieReplies).isGreaterThan(floodPackets * 9L / 10);
        assertThat(responses).isEqualTo(1);
        assertThat(server.device.drops().get(WireGuardDropReason.COOKIE_REQUIRED)).isEqualTo(cookieReplies);
        assertThat(client.device.drops().total()).isZero();
    }
}
