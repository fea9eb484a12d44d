package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/** A TCP header view (RFC 9293) inside an IP packet; sequence numbers are exposed as ints (mod 2^32). */
public final class TcpHeader {
    public static final int MIN_LENGTH = 20;

    private final ByteBuffer buf;
    private final int off;
    private final int segmentLength;

    private TcpHeader(ByteBuffer buf, int off, int segmentLength) {
        this.buf = buf;
        this.off = off;
        this.segmentLength = segmentLength;
    }

    /**
     * Validates the TCP header at the IP payload: length, data offset, checksum with the pseudo-header, and the
     * structure of the option bytes.
     */
    public static TcpHeader parse(IpHeader ip) throws MalformedPacketException {
        return parse(ip, TransportChecksums.VERIFY);
    }

    /** As {@link #parse(IpHeader)}; the checksum only when {@code checksums} is {@link TransportChecksums#VERIFY}. */
    public static TcpHeader parse(IpHeader ip, TransportChecksums checksums) throws MalformedPacketException {
        int len = ip.payloadLength();
        if (len < MIN_LENGTH) {
            throw MalformedPacketException.of(PacketDropReason.TRUNCATED);
        }
        TcpHeader h = new TcpHeader(ip.buffer(), ip.payloadOffset(), len);
        int hl = h.headerLength();
        if (hl < MIN_LENGTH || hl > len) {
            throw MalformedPacketException.of(PacketDropReason.BAD_HEADER_LENGTH);
        }
        if (checksums == TransportChecksums.VERIFY && !ip.upperLayerChecksumVerifies(IpProtocol.TCP, len)) {
            throw MalformedPacketException.of(PacketDropReason.BAD_CHECKSUM);
        }
        h.checkOptionStructure();
        return h;
    }

    /** A view without validation, for segments this stack wrote. */
    public static TcpHeader wrap(IpHeader ip) {
        return new TcpHeader(ip.buffer(), ip.payloadOffset(), ip.payloadLength());
    }

    private void checkOptionStructure() throws MalformedPacketException {
        int at = off + MIN_LENGTH;
        int end = off + headerLength();
        while (at < end) {
            int kind = buf.get(at) & 0xFF;
            if (kind == TcpOptionKind.END) {
                return;
            }
            if (kind == TcpOptionKind.NOP) {
                at++;
                continue;
            }
            if (end - at < 2) {
                throw MalformedPacketException.of(PacketDropReason.BAD_TCP_OPTIONS);
            }
            int len = buf.get(at + 1) & 0xFF;
            if (len < 2 || len > end - at) {
                throw MalformedPacketException.of(PacketDropReason.BAD_TCP_OPTIONS);
            }
            at += len;
        }
    }

    public ByteBuffer buffer() {
        return buf;
    }

    /** Absolute index of the first TCP header byte. */
    public int offset() {
        return off;
    }

    public int sourcePort() {
        return buf.getShort(off) & 0xFFFF;
    }

    public int destinationPort() {
        return buf.getShort(off + 2) & 0xFFFF;
    }

    public int sequenceNumber() {
        return buf.getInt(off + 4);
    }

    public int acknowledgmentNumber() {
        return buf.getInt(off + 8);
    }

    /** Data offset in bytes (header with options). */
    public int headerLength() {
        return ((buf.get(off + 12) & 0xFF) >>> 4) * 4;
    }

    /** The eight flag bits; see {@link TcpFlags}. */
    public int flags() {
        return buf.get(off + 13) & 0xFF;
    }

    public boolean has(int flag) {
        return (flags() & flag) != 0;
    }

    public boolean syn() {
        return has(TcpFlags.SYN);
    }

    public boolean ack() {
        return has(TcpFlags.ACK);
    }

    public boolean fin() {
        return has(TcpFlags.FIN);
    }

    public boolean rst() {
        return has(TcpFlags.RST);
    }

    /** The raw 16-bit window field (unscaled). */
    public int window() {
        return buf.getShort(off + 14) & 0xFFFF;
    }

    public int checksum() {
        return buf.getShort(off + 16) & 0xFFFF;
    }

    public int urgentPointer() {
        return buf.getShort(off + 18) & 0xFFFF;
    }

    /** Bytes of the whole segment (header, options, payload). */
    public int segmentLength() {
        return segmentLength;
    }

    /** Absolute index of the first payload byte. */
    public int payloadOffset() {
        return off + headerLength();
    }

    public int payloadLength() {
        return segmentLength - headerLength();
    }

    /** Sequence space the segment occupies: payload plus one for SYN and one for FIN. */
    public int sequenceLength() {
        return payloadLength() + (syn() ? 1 : 0) + (fin() ? 1 : 0);
    }

    /** All options decoded (allocates; the endpoint uses it on SYN only). */
    public TcpOptions options() {
        return headerLength() == MIN_LENGTH ? TcpOptions.NONE : TcpOptions.decode(this);
    }

    /**
     * The absolute index of the timestamps option's TSval, or -1. Allocation-free for the per-segment path.
     */
    public int timestampsIndex() {
        int at = off + MIN_LENGTH;
        int end = off + headerLength();
        while (at < end) {
            int kind = buf.get(at) & 0xFF;
            if (kind == TcpOptionKind.END) {
                return -1;
            }
            if (kind == TcpOptionKind.NOP) {
                at++;
                continue;
            }
            if (end - at < 2) {
                return -1;
            }
            int len = buf.get(at + 1) & 0xFF;
            if (len < 2) {
                return -1;
            }
            if (kind == TcpOptionKind.TIMESTAMPS && len == TcpOptionKind.TIMESTAMPS_LENGTH && len <= end - at) {
                return at + 2;
            }
            at += len;
        }
        return -1;
    }
}
