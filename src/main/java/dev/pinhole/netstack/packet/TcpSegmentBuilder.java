package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/**
 * Builds one TCP/IP packet at a time into a caller's buffer: {@link #addresses}, then per segment {@link #begin},
 * optional options and payload, then {@link #writeTo}. Reusable and allocation-free; not thread-safe.
 */
public final class TcpSegmentBuilder {
    private byte[] source;
    private int sourcePort;
    private byte[] destination;
    private int destinationPort;

    private int seq;
    private int ack;
    private int flags;
    private int window;
    private int mss;
    private int windowScale;
    private boolean sackPermitted;
    private boolean timestamps;
    private int tsVal;
    private int tsEcr;
    private PayloadSource payload;
    private int payloadLength;

    /** Sets the addresses (4 or 16 bytes each, same family); the arrays are kept, not copied. */
    public TcpSegmentBuilder addresses(byte[] source, int sourcePort, byte[] destination, int destinationPort) {
        IpHeaderWriter.headerLength(source);
        if (source.length != destination.length) {
            throw new IllegalArgumentException("source and destination address families differ");
        }
        this.source = source;
        this.sourcePort = sourcePort;
        this.destination = destination;
        this.destinationPort = destinationPort;
        return this;
    }

    /** Starts a segment; clears options and payload from the previous one. {@code window} is the raw field. */
    public TcpSegmentBuilder begin(int seq, int ack, int flags, int window) {
        this.seq = seq;
        this.ack = ack;
        this.flags = flags;
        this.window = Math.min(window, 0xFFFF);
        this.mss = -1;
        this.windowScale = -1;
        this.sackPermitted = false;
        this.timestamps = false;
        this.payload = null;
        this.payloadLength = 0;
        return this;
    }

    public TcpSegmentBuilder mss(int mss) {
        this.mss = mss;
        return this;
    }

    public TcpSegmentBuilder windowScale(int shift) {
        this.windowScale = shift;
        return this;
    }

    public TcpSegmentBuilder sackPermitted() {
        this.sackPermitted = true;
        return this;
    }

    public TcpSegmentBuilder timestamps(int value, int echo) {
        this.timestamps = true;
        this.tsVal = value;
        this.tsEcr = echo;
        return this;
    }

    public TcpSegmentBuilder payload(PayloadSource source, int length) {
        this.payload = source;
        this.payloadLength = length;
        return this;
    }

    /** Bytes of TCP options the current segment carries, padded to a multiple of four. */
    public int optionsLength() {
        int n = 0;
        if (mss >= 0) {
            n += 4;
        }
        if (sackPermitted || timestamps) {
            // SACK-permitted shares a word with the timestamps option, or is padded with two NOPs.
            n += timestamps ? 12 : 4;
        }
        if (windowScale >= 0) {
            n += 4;
        }
        return n;
    }

    /** The whole packet's length for the current segment. */
    public int packetLength() {
        return IpHeaderWriter.headerLength(source) + TcpHeader.MIN_LENGTH + optionsLength() + payloadLength;
    }

    /**
     * Writes the packet at {@code out.position()}, sets {@code out.limit()} to its end (position unchanged) and
     * returns its length. The buffer must have room for {@link #packetLength()} bytes from its position.
     */
    public int writeTo(ByteBuffer out) {
        int ipAt = out.position();
        int total = packetLength();
        if (out.capacity() - ipAt < total) {
            throw new IllegalArgumentException("output buffer too small: need " + total + " bytes");
        }
        out.limit(ipAt + total);
        int ipLen = IpHeaderWriter.headerLength(source);
        int tcpLen = total - ipLen;
        IpHeaderWriter.write(out, ipAt, source, destination, IpProtocol.TCP, tcpLen, IpHeaderWriter.DEFAULT_HOP_LIMIT);
        int at = ipAt + ipLen;
        int headerLen = TcpHeader.MIN_LENGTH + optionsLength();
        out.putShort(at, (short) sourcePort);
        out.putShort(at + 2, (short) destinationPort);
        out.putInt(at + 4, seq);
        out.putInt(at + 8, ack);
        out.put(at + 12, (byte) ((headerLen / 4) << 4));
        out.put(at + 13, (byte) flags);
        out.putShort(at + 14, (short) window);
        out.putShort(at + 16, (short) 0);
        out.putShort(at + 18, (short) 0);
        int o = at + TcpHeader.MIN_LENGTH;
        if (mss >= 0) {
            out.put(o, (byte) TcpOptionKind.MSS).put(o + 1, (byte) TcpOptionKind.MSS_LENGTH)
                    .putShort(o + 2, (short) mss);
            o += 4;
        }
        if (sackPermitted || timestamps) {
            if (sackPermitted) {
                out.put(o, (byte) TcpOptionKind.SACK_PERMITTED).put(o + 1, (byte) TcpOptionKind.SACK_PERMITTED_LENGTH);
            } else {
                out.put(o, (byte) TcpOptionKind.NOP).put(o + 1, (byte) TcpOptionKind.NOP);
            }
            o += 2;
            if (timestamps) {
                out.put(o, (byte) TcpOptionKind.TIMESTAMPS).put(o + 1, (byte) TcpOptionKind.TIMESTAMPS_LENGTH)
                        .putInt(o + 2, tsVal).putInt(o + 6, tsEcr);
                o += 10;
            } else {
                out.put(o, (byte) TcpOptionKind.NOP).put(o + 1, (byte) TcpOptionKind.NOP);
                o += 2;
            }
        }
        if (windowScale >= 0) {
            out.put(o, (byte) TcpOptionKind.NOP).put(o + 1, (byte) TcpOptionKind.WINDOW_SCALE)
                    .put(o + 2, (byte) TcpOptionKind.WINDOW_SCALE_LENGTH).put(o + 3, (byte) windowScale);
            o += 4;
        }
        if (payloadLength > 0) {
            payload.copyTo(out, o, payloadLength);
        }
        long sum = IpHeaderWriter.pseudoHeaderSum(source, destination, IpProtocol.TCP, tcpLen);
        out.putShort(at + 16, (short) InternetChecksum.finish(InternetChecksum.add(sum, out, at, tcpLen)));
        return total;
    }

    /**
     * Writes the RST that refuses {@code offending} (RFC 9293 3.10.7.1: if it carried an ACK, RST with seq = its
     * ack; otherwise RST|ACK acknowledging everything it occupied) from its destination back to its source.
     * Returns the packet length, or 0 when nothing may be sent because the offending segment is itself a RST.
     */
    public static int writeResetFor(ByteBuffer out, ParseResult.TcpSegment offending) {
        TcpHeader t = offending.tcp();
        if (t.rst()) {
            return 0;
        }
        TcpSegmentBuilder b = new TcpSegmentBuilder().addresses(offending.ip().destinationBytes(), t.destinationPort(),
                offending.ip().sourceBytes(), t.sourcePort());
        if (t.ack()) {
            b.begin(t.acknowledgmentNumber(), 0, TcpFlags.RST, 0);
        } else {
            b.begin(0, t.sequenceNumber() + t.sequenceLength(), TcpFlags.RST | TcpFlags.ACK, 0);
        }
        return b.writeTo(out);
    }
}
