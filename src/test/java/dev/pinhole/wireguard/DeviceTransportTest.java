package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeviceTransportTest {
    private final TestNet net = new TestNet();
    private final TestNet.Node a = net.node("192.0.2.1");
    private final TestNet.Node b = net.node("192.0.2.2");

    @BeforeEach
    void establish() {
        TestNet.pair(a, "100.64.0.1", b, "100.64.0.2");
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "hello".getBytes()));
        net.pump();
        assertThat(b.delivered).hasSize(1);
        b.delivered.clear();
    }

    private byte[] lastTransportFromA() {
        byte[] d = null;
        for (TestNet.Datagram x : a.sent) {
            if (x.bytes()[0] == 4) {
                d = x.bytes();
            }
        }
        return d;
    }

    @Test
    void replayedTransportMessageIsDroppedAndNotDelivered() {
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "once".getBytes()));
        net.pump();
        byte[] copy = lastTransportFromA();
        b.device.onDatagram(ByteBuffer.wrap(copy), a.address, net.ticker.nanoTime(), b);
        assertThat(b.delivered).hasSize(1);
        assertThat(b.device.drops().get(WireGuardDropReason.REPLAYED)).isEqualTo(1);
    }

    @Test
    void tamperedTransportMessageFailsDecryption() {
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "x".getBytes()));
        byte[] msg = net.wire.pollFirst().bytes();
        msg[20] ^= 1;
        b.device.onDatagram(ByteBuffer.wrap(msg), a.address, net.ticker.nanoTime(), b);
        assertThat(b.delivered).isEmpty();
        assertThat(b.sent).hasSize(1);
        assertThat(b.device.drops().get(WireGuardDropReason.DECRYPT_FAILED)).isEqualTo(1);
    }

    @Test
    void unknownReceiverIndexIsDropped() {
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "x".getBytes()));
        byte[] msg = net.wire.pollFirst().bytes();
        msg[4] ^= 0x55;
        b.device.onDatagram(ByteBuffer.wrap(msg), a.address, net.ticker.nanoTime(), b);
        assertThat(b.device.drops().get(WireGuardDropReason.UNKNOWN_RECEIVER)).isEqualTo(1);
    }

    @Test
    void packetWithASourceOutsideThePeersAllowedIpsIsDropped() {
        a.device.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse("0.0.0.0/0")))
                .withEndpoint(b.address));
        a.sendIp(TestNet.udp4("100.64.0.77", "100.64.0.2", "spoof".getBytes()));
        net.pump();
        assertThat(b.delivered).isEmpty();
        assertThat(b.device.drops().get(WireGuardDropReason.NO_ALLOWED_IP_FOR_SOURCE)).isEqualTo(1);
    }

    @Test
    void packetToNoPeerIsDropped() {
        a.sendIp(TestNet.udp4("100.64.0.1", "198.51.100.1", "x".getBytes()));
        assertThat(a.device.drops().get(WireGuardDropReason.NO_ROUTE)).isEqualTo(1);
        assertThat(net.wire).isEmpty();
    }

    @Test
    void authenticatedPacketFromANewAddressMovesTheEndpoint() {
        InetSocketAddress roamed = new InetSocketAddress("203.0.113.50", 4444);
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "roam".getBytes()));
        byte[] msg = net.wire.pollFirst().bytes();
        b.device.onDatagram(ByteBuffer.wrap(msg), roamed, net.ticker.nanoTime(), b);
        assertThat(b.device.peer(a.publicKey()).orElseThrow().endpoint()).isEqualTo(roamed);
        b.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", "back".getBytes()));
        assertThat(net.wire.peekLast().to()).isEqualTo(roamed);
    }

    @Test
    void unauthenticatedPacketFromANewAddressDoesNotMoveTheEndpoint() {
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "roam".getBytes()));
        byte[] msg = net.wire.pollFirst().bytes();
        msg[msg.length - 1] ^= 1;
        b.device.onDatagram(ByteBuffer.wrap(msg), new InetSocketAddress("203.0.113.50", 4444),
                net.ticker.nanoTime(), b);
        assertThat(b.device.peer(a.publicKey()).orElseThrow().endpoint()).isEqualTo(a.address);
    }

    @Test
    void removingAPeerDropsItsSessionsAtOnce() {
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "before".getBytes()));
        byte[] inFlight = net.wire.pollFirst().bytes();
        assertThat(b.device.removePeer(a.publicKey())).isTrue();
        b.device.onDatagram(ByteBuffer.wrap(inFlight), a.address, net.ticker.nanoTime(), b);
        assertThat(b.delivered).isEmpty();
        assertThat(b.device.drops().get(WireGuardDropReason.UNKNOWN_RECEIVER)).isEqualTo(1);
        assertThat(b.device.indexCount()).isZero();
    }

    @Test
    void removedPeerCannotHandshakeAgain() {
        b.device.removePeer(a.publicKey());
        net.advance(java.time.Duration.ofSeconds(6));
        a.device.initiateHandshake(b.publicKey(), net.ticker.nanoTime(), a);
        net.pump();
        assertThat(b.sent.stream().filter(d -> d.bytes()[0] == 2)).hasSize(1);
        assertThat(b.device.drops().get(WireGuardDropReason.UNKNOWN_PEER)).isEqualTo(1);
    }

    @Test
    void keepaliveIsAuthenticatedButNotDelivered() {
        a.device.sendKeepalive(b.publicKey(), net.ticker.nanoTime(), a);
        byte[] msg = net.wire.peekLast().bytes();
        assertThat(msg).hasSize(32);
        net.pump();
        assertThat(b.delivered).isEmpty();
        assertThat(b.device.drops().total()).isZero();
    }

    @Test
    void paddingIsStrippedUsingTheIpLength() {
        byte[] packet = TestNet.udp4("100.64.0.1", "100.64.0.2", new byte[3]);
        a.sendIp(packet);
        net.pump();
        assertThat(b.delivered.get(0).packet()).isEqualTo(packet);
    }

    @Test
    void nonIpPlaintextIsDropped() {
        byte[] bogus = new byte[40];
        bogus[0] = 0x45;
        bogus[2] = (byte) 0xff;
        bogus[16] = 100;
        bogus[17] = 64;
        bogus[19] = 2;
        a.sendIp(bogus);
        net.pump();
        assertThat(b.delivered).isEmpty();
        assertThat(b.device.drops().get(WireGuardDropReason.MALFORMED_INNER_PACKET)).isEqualTo(1);
    }

    @Test
    void countersIncreaseByOnePerMessage() {
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "1".getBytes()));
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "2".getBytes()));
        byte[] first = net.wire.pollFirst().bytes();
        byte[] second = net.wire.pollFirst().bytes();
        assertThat(Wire.longLe(second, 8) - Wire.longLe(first, 8)).isEqualTo(1);
    }

    @Test
    void updatingAPeerKeepsItsSessionAndAppliesNewAllowedIps() {
        b.device.upsertPeer(PeerConfig.of(a.publicKey(), List.of(Cidr.parse("100.64.0.0/24"))));
        a.device.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse("0.0.0.0/0")))
                .withEndpoint(b.address));
        a.sendIp(TestNet.udp4("100.64.0.9", "100.64.0.2", "new source".getBytes()));
        net.pump();
        assertThat(b.delivered).hasSize(1);
        assertThat(a.sentOfType(1)).isEqualTo(1);
    }
}
