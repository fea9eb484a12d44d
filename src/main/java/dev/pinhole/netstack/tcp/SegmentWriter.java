package dev.pinhole.netstack.tcp;

import static dev.pinhole.netstack.packet.TcpFlags.ACK;
import static dev.pinhole.netstack.packet.TcpFlags.SYN;

import dev.pinhole.netstack.packet.PayloadSource;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;

/**
 * Builds an endpoint's outgoing segments and hands them to its {@link SegmentSink}. Every segment with an ACK
 * carries the receiver's RCV.NXT, window and TS.Recent, and tells the receiver the ACK was sent; the sequence
 * number and payload are the caller's (the sender, or the connection for RST and probes).
 */
final class SegmentWriter {
    private final TcpConfig config;
    private final TcpReceiver receiver;
    private final SegmentSink sink;
    private final int ourMss;
    private final TcpSegmentBuilder builder = new TcpSegmentBuilder();
    /** Every emitted packet is built here and lent to the sink for its emit call only. */
    private final LentPacket out;
    /** Segments emitted so far (a flow's packets to its client, for its record). */
    private long emitted;

    SegmentWriter(TcpConfig config, byte[] local, int localPort, byte[] remote, int remotePort, int ourMss,
            TcpReceiver receiver, SegmentSink sink) {
        this.config = config;
        this.receiver = receiver;
        this.sink = sink;
        this.ourMss = ourMss;
        this.out = new LentPacket(config.mtu());
        builder.addresses(local, localPort, remote, remotePort);
    }

    /** A segment acknowledging RCV.NXT, with {@code len} bytes from {@code payload} (none when 0). */
    void segment(int seq, int flags, PayloadSource payload, int len, long now) {
        builder.begin(seq, receiver.rcvNxt(), flags, receiver.windowField());
        if (receiver.timestamps()) {
            builder.timestamps(timestampNow(now), receiver.tsRecent());
        }
        if (len > 0) {
            builder.payload(payload, len);
        }
        receiver.onAckSent();
        emit();
    }

    /** A segment without payload acknowledging RCV.NXT: a pure ACK, a RST|ACK, a probe. */
    void control(int seq, int flags, long now) {
        segment(seq, flags, null, 0, now);
    }

    /** A segment without the ACK flag (a RST answering an unacceptable ACK): ack field and window 0. */
    void bare(int seq, int flags) {
        builder.begin(seq, 0, flags, 0);
        emit();
    }

    /** Our SYN-ACK (passive open), offering what the peer's SYN negotiated. */
    void synAck(int iss, long now) {
        int window = receiver.synWindow();
        builder.begin(iss, receiver.rcvNxt(), SYN | ACK, window).mss(ourMss);
        if (receiver.windowScaling()) {
            builder.windowScale(receiver.windowShift());
        }
        if (receiver.timestamps()) {
            builder.timestamps(timestampNow(now), receiver.tsRecent());
        }
        receiver.onSynAckSent(window);
        emit();
    }

    /** Our SYN (test-only active open), offering what our config allows. */
    void syn(int iss, long now) {
        int window = receiver.synWindow();
        builder.begin(iss, 0, SYN, window).mss(ourMss);
        if (config.windowScaling()) {
            builder.windowScale(receiver.windowShift());
        }
        if (config.timestamps()) {
            builder.timestamps(timestampNow(now), 0);
        }
        emit();
    }

    private void emit() {
        emitted++;
        builder.writeTo(out.fill());
        out.lendTo(sink);
    }

    long emitted() {
        return emitted;
    }

    int bufferBytes() {
        return out.capacity();
    }

    private static int timestampNow(long now) {
        return (int) (now / 1_000_000L);
    }
}
