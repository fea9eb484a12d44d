package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One peer's session ({@link Peer}) driven on its own, without a device: no dispatch, no allowed-IPs check, no
 * admission. Each side holds only its view of the other; messages are handed across by the test.
 */
class PeerSessionTest {
    private static final InetSocketAddress A_ADDR = new InetSocketAddress("198.18.0.1", 51820);
    private static final InetSocketAddress B_ADDR = new InetSocketAddress("198.18.0.2", 51820);

    /** Records what a session sends and delivers (copies: the buffers are lent). */
    static final class Recorder implements Output {
        final List<byte[]> sent = new ArrayList<>();
        final List<InetSocketAddress> to = new ArrayList<>();

        @Override
        public void deliver(Peer peer, ByteBuffer ipPacket) {
            throw new AssertionError("a session never delivers: the device does, after the source check");
        }

        @Override
        public void send(ByteBuffer datagram, InetSocketAddress dest) {
            byte[] copy = new byte[datagram.remaining()];
            datagram.get(datagram.position(), copy);
            sent.add(copy);
            to.add(dest);
        }

        byte[] last() {
            return sent.get(sent.size() - 1);
        }
    }

    /** One side: its identity, index table and drop counters, and its session with the other side. */
    static final class Side {
        final byte[] privateKey = Keys.generatePrivate();
        final WireGuardDropCounters drops = new WireGuardDropCounters();
        final IndexTable indices = new IndexTable(new SecureRandom());
        final PeerContext context = new PeerContext(new LocalIdentity(privateKey), indices, TimerConfig.defaults(),
                1420, new SecureRandom(), Clock.systemUTC(), drops, ThreadLocal.withInitial(PacketScratch::new),
                dev.pinhole.wireguard.crypto.OpenStrategy.CHECK_FIRST);
        final Recorder wire = new Recorder();
        Peer peer;

        PublicKey publicKey() {
            return PublicKey.of(Keys.publicFromPrivate(privateKey));
        }
    }

    private final Side a = new Side();
    private final Side b = new Side();

    PeerSessionTest() {
        a.peer = new Peer(b.publicKey(), a.context, -1);
        b.peer = new Peer(a.publicKey(), b.context, -1);
        a.peer.configure(PeerConfig.of(b.publicKey(), List.of()).withEndpoint(B_ADDR));
        b.peer.configure(PeerConfig.of(a.publicKey(), List.of()));
    }

    /** Runs initiation → response → keepalive between the two sessions; returns b's transport keypair. */
    private Keypair handshake(long now) {
        a.peer.initiateHandshake(now, a.wire);
        byte[] initiation = a.wire.last();
        NoiseHandshake.Consumed consumed = NoiseHandshake.consumeInitiation(initiation, 0, b.context.identity(),
                k -> k.equals(a.publicKey()) ? b.peer : null, now, 0);
        assertThat(consumed.drop()).isNull();
        b.peer.answerInitiation(A_ADDR, now, b.wire);
        a.peer.receiveResponse(b.wire.last(), 0, B_ADDR, now, a.wire);
        byte[] keepalive = a.wire.last();
        Keypair kp = b.indices.lookup(intLe(keepalive, 4)).keypair;
        assertThat(b.peer.receiveTransport(kp, keepalive, 0, keepalive.length,
                b.context.scratch().get(), A_ADDR, now, b.wire)).isZero();
        return kp;
    }

    private static int intLe(byte[] b, int off) {
        return Wire.intLe(b, off);
    }

    private static byte[] ipv4(int length) {
        byte[] p = new byte[length];
        p[0] = 0x45;
        p[2] = (byte) (length >>> 8);
        p[3] = (byte) length;
        for (int i = 20; i < length; i++) {
            p[i] = (byte) i;
        }
        return p;
    }

    @Test
    void twoSessionsHandshakeAndCarryAPacketWithoutADevice() {
        Keypair bReceives = handshake(0);
        assertThat(a.peer.hasSession()).isTrue();
        assertThat(b.peer.hasSession()).isTrue();
        assertThat(b.peer.endpoint()).isEqualTo(A_ADDR);

        byte[] packet = ipv4(100);
        a.peer.send(ByteBuffer.wrap(packet), 1, a.wire);
        byte[] datagram = a.wire.last();
        PacketScratch s = b.context.scratch().get();
        int plainLen = b.peer.receiveTransport(bReceives, datagram, 0, datagram.length, s, A_ADDR, 1, b.wire);

        assertThat(plainLen).isEqualTo(112); // padded to a multiple of 16
        assertThat(Arrays.copyOf(s.rxPlain, 100)).isEqualTo(packet);
        assertThat(a.peer.txBytes()).isEqualTo(100);
        assertThat(a.drops.total()).isZero();
        assertThat(b.drops.total()).isZero();
    }

    @Test
    void aReplayedTransportMessageIsRefusedBySessionAlone() {
        Keypair bReceives = handshake(0);
        a.peer.send(ByteBuffer.wrap(ipv4(60)), 1, a.wire);
        byte[] datagram = a.wire.last();
        PacketScratch s = b.context.scratch().get();
        assertThat(b.peer.receiveTransport(bReceives, datagram, 0, datagram.length, s, A_ADDR, 1, b.wire))
                .isPositive();

        assertThat(b.peer.receiveTransport(bReceives, datagram, 0, datagram.length, s, A_ADDR, 2, b.wire))
                .isEqualTo(-1);
        assertThat(b.drops.get(WireGuardDropReason.REPLAYED)).isEqualTo(1);
    }

    @Test
    void packetsWaitingForAHandshakeAreBoundedAndCostOneInitiation() {
        for (int i = 0; i < Peer.MAX_STAGED_PACKETS + 72; i++) {
            a.peer.send(ByteBuffer.wrap(ipv4(40)), i, a.wire);
        }
        assertThat(a.drops.get(WireGuardDropReason.QUEUE_FULL)).isEqualTo(72);
        assertThat(a.wire.sent).hasSize(1);
        assertThat(intLe(a.wire.last(), 0)).isEqualTo(ProtocolConstants.TYPE_INITIATION);
    }

    @Test
    void anUnansweredInitiationIsRetriedByTheTimerTickAfterRekeyTimeout() {
        a.peer.initiateHandshake(0, a.wire);
        long rekeyTimeout = TimerConfig.defaults().rekeyTimeout().toNanos();
        a.peer.tick(rekeyTimeout - 1, a.wire);
        assertThat(a.wire.sent).hasSize(1);

        a.peer.tick(rekeyTimeout + TimerConfig.defaults().rekeyTimeoutJitterMaxMillis() * 1_000_000L, a.wire);
        assertThat(a.wire.sent).hasSize(2);
        assertThat(intLe(a.wire.last(), 0)).isEqualTo(ProtocolConstants.TYPE_INITIATION);
    }

    @Test
    void aRemovedSessionSendsNothingAndForgetsItsIndices() {
        handshake(0);
        int before = a.wire.sent.size();
        a.peer.remove();

        a.peer.send(ByteBuffer.wrap(ipv4(40)), 1, a.wire);
        a.peer.tick(Long.MAX_VALUE / 2, a.wire);

        assertThat(a.wire.sent).hasSize(before);
        assertThat(a.drops.get(WireGuardDropReason.NO_ROUTE)).isEqualTo(1);
        assertThat(a.indices.size()).isZero();
        assertThat(a.peer.hasSession()).isFalse();
    }
}
