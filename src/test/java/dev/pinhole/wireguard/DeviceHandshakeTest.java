package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceHandshakeTest {
    private final TestNet net = new TestNet();
    private final TestNet.Node a = net.node("192.0.2.1");
    private final TestNet.Node b = net.node("192.0.2.2");

    {
        TestNet.pair(a, "100.64.0.1", b, "100.64.0.2");
    }

    @Test
    void firstPacketTriggersHandshakeAndIsDeliveredAfterIt() {
        byte[] packet = TestNet.udp4("100.64.0.1", "100.64.0.2", "hello".getBytes());
        a.sendIp(packet);
        net.pump();
        assertThat(b.delivered).hasSize(1);
        assertThat(b.delivered.get(0).packet()).isEqualTo(packet);
        assertThat(b.delivered.get(0).peer().publicKey()).isEqualTo(a.publicKey());
        assertThat(a.drops()).isEmpty();
        assertThat(b.drops()).isEmpty();
    }

    @Test
    void handshakeMessagesHaveTheirExactSizes() {
        a.device.initiateHandshake(b.publicKey(), net.ticker.nanoTime(), a);
        net.pump();
        assertThat(a.sent.get(0).bytes()).hasSize(148);
        assertThat(a.sent.get(0).bytes()[0]).isEqualTo((byte) 1);
        assertThat(b.sent.get(0).bytes()).hasSize(92);
        assertThat(b.sent.get(0).bytes()[0]).isEqualTo((byte) 2);
        // The initiator confirms the session with a keepalive: header 16 + empty payload tag 16.
        assertThat(a.sent.get(1).bytes()).hasSize(32);
        assertThat(a.sent.get(1).bytes()[0]).isEqualTo((byte) 4);
    }

    @Test
    void responderCanSendOnlyAfterTheInitiatorConfirms() {
        a.device.initiateHandshake(b.publicKey(), net.ticker.nanoTime(), a);
        net.pump();
        assertThat(b.device.peer(a.publicKey()).orElseThrow().hasSession()).isTrue();
        b.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", "back".getBytes()));
        net.pump();
        assertThat(a.delivered).hasSize(1);
        assertThat(b.sentOfType(1)).isZero();
    }

    @Test
    void dataFlowsBothWaysOverIpv6Too() {
        a.device.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse("fd00::2/128")))
                .withEndpoint(b.address));
        b.device.upsertPeer(PeerConfig.of(a.publicKey(), List.of(Cidr.parse("fd00::1/128"))));
        a.sendIp(TestNet.udp6("fd00::1", "fd00::2", "six".getBytes()));
        net.pump();
        b.sendIp(TestNet.udp6("fd00::2", "fd00::1", "xis".getBytes()));
        net.pump();
        assertThat(b.delivered).hasSize(1);
        assertThat(a.delivered).hasSize(1);
    }

    @Test
    void transportPayloadIsPaddedToSixteen() {
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", new byte[1]));
        net.pump();
        TestNet.Datagram data = a.sent.stream().filter(d -> d.bytes()[0] == 4 && d.bytes().length > 32)
                .findFirst().orElseThrow();
        assertThat((data.bytes().length - 32) % 16).isZero();
        assertThat(data.bytes().length - 32).isEqualTo(32);
    }

    @Test
    void matchingPresharedKeysHandshake() {
        byte[] psk = Keys.generatePresharedKey();
        a.device.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse("100.64.0.2/32")))
                .withEndpoint(b.address).withPresharedKey(psk));
        b.device.upsertPeer(PeerConfig.of(a.publicKey(), List.of(Cidr.parse("100.64.0.1/32")))
                .withPresharedKey(psk));
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "psk".getBytes()));
        net.pump();
        assertThat(b.delivered).hasSize(1);
    }

    @Test
    void mismatchedPresharedKeyFailsAtTheInitiatorAndNothingIsDelivered() {
        a.device.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse("100.64.0.2/32")))
                .withEndpoint(b.address).withPresharedKey(Keys.generatePresharedKey()));
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "psk".getBytes()));
        net.pump();
        assertThat(b.delivered).isEmpty();
        assertThat(a.device.drops().get(WireGuardDropReason.HANDSHAKE_FAILED)).isEqualTo(1);
    }

    @Test
    void replayedInitiationIsRejectedByTimestamp() {
        a.device.initiateHandshake(b.publicKey(), net.ticker.nanoTime(), a);
        byte[] initiation = a.sent.get(0).bytes();
        net.pump();
        int responses = b.sent.size();
        net.advance(Duration.ofSeconds(1));
        b.device.onDatagram(ByteBuffer.wrap(initiation), a.address, net.ticker.nanoTime(), b);
        assertThat(b.sent).hasSize(responses);
        assertThat(b.device.drops().get(WireGuardDropReason.STALE_TIMESTAMP)).isEqualTo(1);
    }

    @Test
    void initiationFromAnUnknownKeyGetsNoReply() {
        TestNet.Node stranger = net.node("192.0.2.9");
        stranger.device.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse("0.0.0.0/0")))
                .withEndpoint(b.address));
        stranger.device.initiateHandshake(b.publicKey(), net.ticker.nanoTime(), stranger);
        net.pump();
        assertThat(b.sent).isEmpty();
        assertThat(b.device.drops().get(WireGuardDropReason.UNKNOWN_PEER)).isEqualTo(1);
    }

    @Test
    void initiationWithWrongMac1GetsNoReply() {
        a.device.initiateHandshake(b.publicKey(), net.ticker.nanoTime(), a);
        byte[] initiation = net.wire.pollFirst().bytes();
        initiation[120] ^= 1;
        b.device.onDatagram(ByteBuffer.wrap(initiation), a.address, net.ticker.nanoTime(), b);
        assertThat(b.sent).isEmpty();
        assertThat(b.device.drops().get(WireGuardDropReason.BAD_MAC1)).isEqualTo(1);
    }

    @Test
    void tamperedEphemeralFailsMac1First() {
        a.device.initiateHandshake(b.publicKey(), net.ticker.nanoTime(), a);
        byte[] initiation = net.wire.pollFirst().bytes();
        initiation[10] ^= 1;
        b.device.onDatagram(ByteBuffer.wrap(initiation), a.address, net.ticker.nanoTime(), b);
        assertThat(b.sent).isEmpty();
        assertThat(b.device.drops().get(WireGuardDropReason.BAD_MAC1)).isEqualTo(1);
    }

    @Test
    void wrongLengthHandshakeIsMalformed() {
        byte[] junk = new byte[147];
        junk[0] = 1;
        b.device.onDatagram(ByteBuffer.wrap(junk), a.address, net.ticker.nanoTime(), b);
        assertThat(b.device.drops().get(WireGuardDropReason.MALFORMED)).isEqualTo(1);
        assertThat(b.sent).isEmpty();
    }

    @Test
    void responseToNoInitiationIsDropped() {
        byte[] response = new byte[92];
        response[0] = 2;
        b.device.onDatagram(ByteBuffer.wrap(response), a.address, net.ticker.nanoTime(), b);
        assertThat(b.sent).isEmpty();
        assertThat(b.device.drops().get(WireGuardDropReason.BAD_MAC1)).isEqualTo(1);
    }

    @Test
    void handshakeSendsNoIndexLeak() {
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "x".getBytes()));
        net.pump();
        assertThat(a.device.indexCount()).isEqualTo(1);
        assertThat(b.device.indexCount()).isEqualTo(1);
    }
}
