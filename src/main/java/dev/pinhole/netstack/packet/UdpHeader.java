package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/** A UDP header view (RFC 768) inside an IP packet. */
public final class UdpHeader {
    public static final int LENGTH = 8;

    private final ByteBuffer buf;
    private final int off;

    private UdpHeader(ByteBuffer buf, int off) {
        this.buf = buf;
        this.off = off;
    }

    /**
     * Validates length and checksum. A zero checksum means "none" over IPv4 and is invalid over IPv6
     * (RFC 8200 section 8.1).
     */
    public static UdpHeader parse(IpHeader ip) throws MalformedPacketException {
        return parse(ip, TransportChecksums.VERIFY);
    }

    /** As {@link #parse(IpHeader)}; the sum only when {@code checksums} is {@link TransportChecksums#VERIFY}. */
    public static UdpHeader parse(IpHeader ip, TransportChecksums checksums) throws MalformedPacketException {
        int avail = ip.payloadLength();
        if (avail < LENGTH) {
            throw MalformedPacketException.of(PacketDropReason.TRUNCATED);
        }
        UdpHeader h = new UdpHeader(ip.buffer(), ip.payloadOffset());
        int len = h.length();
        if (len < LENGTH || len > avail) {
            throw MalformedPacketException.of(PacketDropReason.BAD_UDP_LENGTH);
        }
        if (h.checksum() == 0) {
            if (ip.version() == 6) {
                throw MalformedPacketException.of(PacketDropReason.BAD_CHECKSUM);
            }
        } else if (checksums == TransportChecksums.VERIFY && !ip.upperLayerChecksumVerifies(IpProtocol.UDP, len)) {
            throw MalformedPacketException.of(PacketDropReason.BAD_CHECKSUM);
        }
        return h;
    }

    public ByteBuffer buffer() {
        return buf;
    }

    public int offset() {
        return off;
    }

    public int sourcePort() {
        return buf.getShort(off) & 0xFFFF;
    }

    public int destinationPort() {
        return buf.getShort(off + 2) & 0xFFFF;
    }

    /** The length field: header plus payload. */
    public int length() {
        return buf.getShort(off + 4) & 0xFFFF;
    }

    public int checksum() {
        return buf.getShort(off + 6) & 0xFFFF;
    }

    public int payloadOffset() {
        return off + LENGTH;
    }

    public int payloadLength() {
        return length() - LENGTH;
    }

    /** A read-only slice of the payload sharing the packet's bytes (no copy). */
    public ByteBuffer payload() {
        return buf.asReadOnlyBuffer().limit(payloadOffset() + payloadLength()).position(payloadOffset()).slice();
    }
}
