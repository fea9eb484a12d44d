package dev.pinhole.netstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.PayloadSource;
import dev.pinhole.netstack.packet.TcpFlags;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.netstack.tcp.NoConnectionResets.Outcome;
import dev.pinhole.netstack.tcp.NoConnectionResets.Rate;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * Segments of a connection that died with another replica: the RFC 9293 reset, at once, and never more than the
 * bound however many stray segments arrive (sans-I/O, a hand-driven clock).
 */
class NoConnectionResetsTest {
    private long now = 1_000_000_000L;
    private final PacketParser parser = new PacketParser();
    private final ByteBuffer out = ByteBuffer.allocate(128);

    private NoConnectionResets resets(Rate perSource, Rate all, int maxSources) {
        return new NoConnectionResets(() -> now, perSource, all, maxSources);
    }

    /** A segment from {@code client} to 203.0.113.20:443 with the given flags, sequence numbers and payload. */
    private ParseResult.TcpSegment segment(String client, int flags, int seq, int ack, int payload) throws Exception {
        TcpSegmentBuilder b = new TcpSegmentBuilder().addresses(InetAddress.getByName(client).getAddress(), 40000,
                InetAddress.getByName("203.0.113.20").getAddress(), 443).begin(seq, ack, flags, 512);
        if (payload > 0) {
            b.payload(PayloadSource.of(ByteBuffer.wrap(new byte[payload])), payload);
        }
        ByteBuffer buf = ByteBuffer.allocate(b.packetLength());
        b.writeTo(buf);
        return (ParseResult.TcpSegment) parser.parse(buf);
    }

    private ParseResult.TcpSegment dataFrom(String client) throws Exception {
        return segment(client, TcpFlags.ACK | TcpFlags.PSH, 1000, 5000, 100);
    }

    @Test
    void aDataSegmentOfADeadConnectionGetsARstAtItsAcknowledgmentNumber() throws Exception {
        NoConnectionResets resets = NoConnectionResets.defaults(() -> now);
        var data = segment("100.96.0.2", TcpFlags.ACK | TcpFlags.PSH, 7777, 0x12345678, 100);

        assertThat(resets.answer(out, data)).isEqualTo(Outcome.SENT);

        var rst = (ParseResult.TcpSegment) parser.parse(out);
        assertThat(rst.tcp().flags()).isEqualTo(TcpFlags.RST);
        assertThat(rst.tcp().sequenceNumber()).isEqualTo(0x12345678);
        assertThat(rst.ip().destination()).isEqualTo(InetAddress.getByName("100.96.0.2"));
        assertThat(rst.ip().source()).isEqualTo(InetAddress.getByName("203.0.113.20"));
        assertThat(rst.tcp().sourcePort()).isEqualTo(443);
        assertThat(rst.tcp().destinationPort()).isEqualTo(40000);
    }

    @Test
    void aFinWithoutAckIsAcknowledgedByTheRst() throws Exception {
        NoConnectionResets resets = NoConnectionResets.defaults(() -> now);
        var fin = segment("100.96.0.2", TcpFlags.FIN, 41, 0, 10);

        assertThat(resets.answer(out, fin)).isEqualTo(Outcome.SENT);

        var rst = (ParseResult.TcpSegment) parser.parse(out);
        assertThat(rst.tcp().flags()).isEqualTo(TcpFlags.RST | TcpFlags.ACK);
        assertThat(rst.tcp().sequenceNumber()).isZero();
        assertThat(rst.tcp().acknowledgmentNumber()).isEqualTo(41 + 10 + 1);
    }

    @Test
    void aResetIsNeverAnsweredAndCostsNothing() throws Exception {
        NoConnectionResets resets = resets(new Rate(1, 1), new Rate(1, 1), 8);
        for (int i = 0; i < 100; i++) {
            assertThat(resets.answer(out, segment("100.96.0.2", TcpFlags.RST, i, 0, 0)))
                    .isEqualTo(Outcome.NOT_FOR_A_RESET);
        }
        assertThat(resets.answer(out, dataFrom("100.96.0.2"))).isEqualTo(Outcome.SENT);
        assertThat(resets.limited()).isZero();
    }

    @Test
    void aFloodFromOneSourceGetsItsBurstThenItsRate() throws Exception {
        NoConnectionResets resets = resets(new Rate(200, 400), new Rate(2_000, 4_000), 64);
        var stray = dataFrom("100.96.0.2");

        assertThat(count(resets, stray, 10_000)).isEqualTo(400);
        assertThat(resets.limited()).isEqualTo(10_000 - 400);
        now += 1_000_000_000L;
        assertThat(count(resets, stray, 10_000)).isEqualTo(200);
    }

    @Test
    void oneSourcesFloodDoesNotSilenceAnother() throws Exception {
        NoConnectionResets resets = resets(new Rate(200, 400), new Rate(2_000, 4_000), 64);
        count(resets, dataFrom("100.96.0.2"), 10_000);

        assertThat(resets.answer(out, dataFrom("100.96.0.3"))).isEqualTo(Outcome.SENT);
    }

    @Test
    void manySourcesTogetherStayUnderTheTotalBound() throws Exception {
        NoConnectionResets resets = resets(new Rate(200, 400), new Rate(2_000, 4_000), 1_000);
        int sent = 0;
        for (int i = 0; i < 100; i++) {
            sent += count(resets, dataFrom("100.96.1." + i), 400);
        }
        assertThat(sent).isEqualTo(4_000);
    }

    @Test
    void theSourceTableIsBoundedAndForgetsOnlySourcesThatRefilled() throws Exception {
        NoConnectionResets resets = resets(new Rate(10, 10), new Rate(1_000, 1_000), 2);
        assertThat(resets.answer(out, dataFrom("100.96.0.2"))).isEqualTo(Outcome.SENT);
        assertThat(resets.answer(out, dataFrom("100.96.0.3"))).isEqualTo(Outcome.SENT);

        // Both buckets are still in use: a third source is refused, the known ones are kept.
        assertThat(resets.answer(out, dataFrom("100.96.0.4"))).isEqualTo(Outcome.RATE_LIMITED);
        assertThat(resets.trackedSources()).isEqualTo(2);

        now += 1_000_000_000L; // both refilled: they are the same as no bucket and make room
        assertThat(resets.answer(out, dataFrom("100.96.0.4"))).isEqualTo(Outcome.SENT);
        assertThat(resets.trackedSources()).isLessThanOrEqualTo(2);
    }

    private int count(NoConnectionResets resets, ParseResult.TcpSegment segment, int times) {
        int sent = 0;
        for (int i = 0; i < times; i++) {
            if (resets.answer(out, segment) == Outcome.SENT) {
                sent++;
            }
        }
        return sent;
    }
}
