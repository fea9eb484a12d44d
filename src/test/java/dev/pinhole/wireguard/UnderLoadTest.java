package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cookie mode (WireGuard paper section 5.3) and per-source limits while the responder is under load. */
class UnderLoadTest {
    private final TestNet net = new TestNet();
    private final TestNet.Node server = net.node("192.0.2.2", c -> c.withUnderLoadThreshold(2));
    private final TestNet.Node client = net.node("192.0.2.1");

    {
        TestNet.pair(client, "100.64.0.1", server, "100.64.0.2");
    }

    /** A valid-MAC1 initiation to the server from a key it does not know (what a flood looks like). */
    private byte[] strangerInitiation() {
        TestNet.Node stranger = net.node("198.51.100.1");
        stranger.device.upsertPeer(PeerConfig.of(server.publicKey(), List.of(Cidr.parse("10.0.0.0/8")))
                .withEndpoint(server.address));
        stranger.device.initiateHandshake(server.publicKey(), net.ticker.nanoTime(), stranger);
        net.wire.clear();
        return stranger.sent.get(0).bytes();
    }

    private void flood(byte[] initiation, int sources) {
        for (int i = 0; i < sources; i++) {
            InetSocketAddress from = new InetSocketAddress("203.0.113." + (i % 250 + 1), 1000 + i);
            server.device.onDatagram(ByteBuffer.wrap(initiation), from, net.ticker.nanoTime(), server);
        }
        net.wire.removeIf(d -> d.from().equals(server.address) && !d.to().equals(client.address));
    }

    @Test
    void belowTheThresholdInitiationsGetResponses() {
        client.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "hi".getBytes()));
        net.pump();
        assertThat(server.sentOfType(3)).isZero();
        assertThat(server.delivered).hasSize(1);
    }

    @Test
    void underLoadAnInitiationWithoutMac2GetsACookieReplyOnly() {
        flood(strangerInitiation(), 3);
        client.device.initiateHandshake(server.publicKey(), net.ticker.nanoTime(), client);
        net.pump();
        List<TestNet.Datagram> toClient = server.sent.stream().filter(d -> d.to().equals(client.address)).toList();
        assertThat(toClient).hasSize(1);
        assertThat(toClient.get(0).bytes()).hasSize(64);
        assertThat(toClient.get(0).bytes()[0]).isEqualTo((byte) 3);
        assertThat(server.device.drops().get(WireGuardDropReason.COOKIE_REQUIRED)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void theRetriedInitiationCarriesMac2AndCompletes() {
        flood(strangerInitiation(), 3);
        client.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "hi".getBytes()));
        net.pump();
        assertThat(server.delivered).isEmpty();
        byte[] stranger = strangerInitiation();
        for (int i = 0; i < 60; i++) {
            net.advance(Duration.ofMillis(100));
            flood(stranger, 3);
            client.tick();
            server.tick();
            net.pump();
        }
        assertThat(server.delivered).hasSize(1);
        assertThat(client.device.peer(server.publicKey()).orElseThrow().handshakesCompleted()).isEqualTo(1);
    }

    @Test
    void tamperedCookieReplyIsRejected() {
        flood(strangerInitiation(), 3);
        client.device.initiateHandshake(server.publicKey(), net.ticker.nanoTime(), client);
        byte[] init = net.wire.pollFirst().bytes();
        server.device.onDatagram(ByteBuffer.wrap(init), client.address, net.ticker.nanoTime(), server);
        byte[] reply = net.wire.pollLast().bytes();
        reply[40] ^= 1;
        client.device.onDatagram(ByteBuffer.wrap(reply), server.address, net.ticker.nanoTime(), client);
        assertThat(client.device.drops().get(WireGuardDropReason.BAD_COOKIE_REPLY)).isEqualTo(1);
    }

    @Test
    void underLoadASourceThatHasACookieIsStillRateLimited() {
        flood(strangerInitiation(), 3);
        client.device.initiateHandshake(server.publicKey(), net.ticker.nanoTime(), client);
        net.pump();
        net.advance(Duration.ofSeconds(6));
        flood(strangerInitiation(), 3);
        client.device.initiateHandshake(server.publicKey(), net.ticker.nanoTime(), client);
        byte[] withMac2 = net.wire.pollFirst().bytes();
        for (int i = 0; i < 20; i++) {
            server.device.onDatagram(ByteBuffer.wrap(withMac2), client.address, net.ticker.nanoTime(), server);
        }
        assertThat(server.device.drops().get(WireGuardDropReason.RATE_LIMITED)).isGreaterThanOrEqualTo(14);
        assertThat(server.sent.stream().filter(d -> d.bytes()[0] == 2)).hasSize(1);
    }

    @Test
    void cookieFromAnExpiredSecretNoLongerCounts() {
        flood(strangerInitiation(), 3);
        client.device.initiateHandshake(server.publicKey(), net.ticker.nanoTime(), client);
        net.pump();
        net.advance(Duration.ofSeconds(121));
        flood(strangerInitiation(), 3);
        client.device.initiateHandshake(server.publicKey(), net.ticker.nanoTime(), client);
        net.pump();
        // The client's cookie is past COOKIE_REFRESH_TIME: it sends no MAC2 and gets a fresh cookie reply.
        assertThat(server.sent.stream().filter(d -> d.to().equals(client.address) && d.bytes()[0] == 3))
                .hasSize(2);
    }
}
