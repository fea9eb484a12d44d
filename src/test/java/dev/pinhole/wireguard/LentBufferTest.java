package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An {@link Output} that keeps the buffers it is lent instead of copying them (the careless user). With
 * assertions on (tests), each call lends a view of its own that is emptied when the call returns, so a kept buffer
 * reads as empty instead of silently showing the next packet's bytes.
 */
class LentBufferTest {
    private final TestNet net = new TestNet();
    private final TestNet.Node a = net.node("192.0.2.1");
    private final TestNet.Node b = net.node("192.0.2.2");

    /** Keeps every buffer as lent, no copy. */
    static final class Keeper implements Output {
        final List<ByteBuffer> delivered = new ArrayList<>();
        final List<ByteBuffer> sent = new ArrayList<>();
        final List<Integer> lengthsDuringCall = new ArrayList<>();

        @Override
        public void deliver(Peer peer, ByteBuffer ipPacket) {
            lengthsDuringCall.add(ipPacket.remaining());
            delivered.add(ipPacket);
        }

        @Override
        public void send(ByteBuffer datagram, InetSocketAddress to) {
            lengthsDuringCall.add(datagram.remaining());
            sent.add(datagram);
        }
    }

    @BeforeEach
    void establish() {
        TestNet.pair(a, "100.64.0.1", b, "100.64.0.2");
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "hello".getBytes()));
        net.pump();
        assertThat(b.delivered).hasSize(1);
    }

    @Test
    void aDeliveredPacketKeptPastTheCallIsEmptyNotTheNextPacket() {
        Keeper keeper = new Keeper();
        for (String text : List.of("first", "second packet")) {
            a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", text.getBytes()));
            TestNet.Datagram d = net.wire.pollLast();
            b.device.onDatagram(ByteBuffer.wrap(d.bytes()), d.from(), net.ticker.nanoTime(), keeper);
        }

        assertThat(keeper.lengthsDuringCall).containsExactly(28 + 5, 28 + 13);
        assertThat(keeper.delivered).hasSize(2);
        assertThat(keeper.delivered.get(0)).isNotSameAs(keeper.delivered.get(1));
        assertThat(keeper.delivered).allSatisfy(kept -> assertThat(kept.remaining()).isZero());
    }

    @Test
    void aSentDatagramKeptPastTheCallIsEmptyNotTheNextDatagram() {
        Keeper keeper = new Keeper();
        a.device.onOutboundPacket(ByteBuffer.wrap(TestNet.udp4("100.64.0.1", "100.64.0.2", "one".getBytes())),
                net.ticker.nanoTime(), keeper);
        a.device.onOutboundPacket(ByteBuffer.wrap(TestNet.udp4("100.64.0.1", "100.64.0.2", "two".getBytes())),
                net.ticker.nanoTime(), keeper);

        assertThat(keeper.sent).hasSize(2);
        assertThat(keeper.lengthsDuringCall).allSatisfy(len -> assertThat(len).isEqualTo(16 + 32 + 16));
        assertThat(keeper.sent.get(0)).isNotSameAs(keeper.sent.get(1));
        assertThat(keeper.sent).allSatisfy(kept -> assertThat(kept.remaining()).isZero());
    }
}
