package dev.pinhole.netstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.PayloadSource;
import dev.pinhole.netstack.packet.TcpFlags;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The client half of a test: builds the segments a WireGuard client would send, and records (parsed, checksum
 * verified) every packet the endpoint emits so a test can assert them one by one.
 */
final class ScriptedClient implements SegmentSink {
    static final int CLIENT_PORT = 40000;
    static final int APP_PORT = 443;

    final InetAddress client;
    final InetAddress app;
    private final PacketParser parser = new PacketParser();
    private final Deque<ParseResult.TcpSegment> emitted = new ArrayDeque<>();
    private final TcpSegmentBuilder builder = new TcpSegmentBuilder();
    private int lastSeq;
    private int lastAck;

    ScriptedClient(boolean ipv6) {
        try {
            client = InetAddress.getByName(ipv6 ? "fd00::2" : "10.0.0.2");
            app = InetAddress.getByName(ipv6 ? "fd00:80::5" : "100.80.0.5");
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        builder.addresses(client.getAddress(), CLIENT_PORT, app.getAddress(), APP_PORT);
    }

    @Override
    public void emit(LentPacket packet) {
        ByteBuffer copy = packet.copy();
        ParseResult r = parser.parse(copy);
        assertThat(r).as("endpoint emitted a packet that does not parse").isInstanceOf(ParseResult.TcpSegment.class);
        var seg = (ParseResult.TcpSegment) r;
        assertThat(seg.ip().source()).isEqualTo(app);
        assertThat(seg.ip().destination()).isEqualTo(client);
        assertThat(seg.tcp().sourcePort()).isEqualTo(APP_PORT);
        assertThat(seg.tcp().destinationPort()).isEqualTo(CLIENT_PORT);
        lastSeq = seg.tcp().sequenceNumber();
        if (seg.tcp().ack()) {
            lastAck = seg.tcp().acknowledgmentNumber();
        }
        emitted.add(seg);
    }

    /** Sequence number of the last segment the endpoint sent. */
    int lastSeq() {
        return lastSeq;
    }

    /** Acknowledgment number of the last ACK the endpoint sent (its RCV.NXT then). */
    int lastAck() {
        return lastAck;
    }

    /** The oldest emitted segment not yet taken. */
    ParseResult.TcpSegment next() {
        assertThat(emitted).as("expected the endpoint to have sent a segment").isNotEmpty();
        return emitted.poll();
    }

    /** Takes the next emitted segment and returns its one-line description. */
    String nextLine() {
        return describe(next());
    }

    /** Takes every emitted segment and describes them. */
    java.util.List<String> drain() {
        var lines = new java.util.ArrayList<String>();
        while (!emitted.isEmpty()) {
            lines.add(describe(emitted.poll()));
        }
        return lines;
    }

    int pending() {
        return emitted.size();
    }

    void assertNothingSent() {
        assertThat(drain()).as("segments the endpoint sent").isEmpty();
    }

    static String describe(ParseResult.TcpSegment s) {
        var t = s.tcp();
        return TcpFlags.describe(t.flags()) + " seq=" + Integer.toUnsignedString(t.sequenceNumber())
                + " ack=" + (t.ack() ? Integer.toUnsignedString(t.acknowledgmentNumber()) : "-")
                + " win=" + t.window() + " len=" + t.payloadLength();
    }

    static byte[] payloadOf(ParseResult.TcpSegment s) {
        byte[] b = new byte[s.tcp().payloadLength()];
        s.tcp().buffer().get(s.tcp().payloadOffset(), b);
        return b;
    }

    /** A segment from the client; {@code options} may add MSS/WS/SACK/TS. */
    ParseResult.TcpSegment segment(int flags, int seq, int ack, int window, byte[] data,
            java.util.function.Consumer<TcpSegmentBuilder> options) {
        builder.begin(seq, ack, flags, window);
        options.accept(builder);
        if (data.length > 0) {
            builder.payload(PayloadSource.of(ByteBuffer.wrap(data)), data.length);
        }
        ByteBuffer b = ByteBuffer.allocate(builder.packetLength());
        builder.writeTo(b);
        return (ParseResult.TcpSegment) parser.parse(b);
    }

    ParseResult.TcpSegment segment(int flags, int seq, int ack, int window, byte[] data) {
        return segment(flags, seq, ack, window, data, b -> { });
    }

    ParseResult.TcpSegment segment(int flags, int seq, int ack, int window) {
        return segment(flags, seq, ack, window, new byte[0]);
    }
}
