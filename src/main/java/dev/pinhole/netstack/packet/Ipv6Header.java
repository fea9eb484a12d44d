package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/**
 * An IPv6 header view (RFC 8200) that has walked the extension header chain to the upper-layer header.
 * Construct through {@link #parse} (validates) or {@link #wrap} (for packets this stack wrote, no extension
 * headers).
 */
public final class Ipv6Header implements IpHeader {
    public static final int LENGTH = 40;
    /** Bound on the chain so a packet of many empty options cannot make us loop long. */
    private static final int MAX_EXTENSION_HEADERS = 8;

    private final ByteBuffer buf;
    private final int off;
    private final int upperOffset;
    private final int upperProtocol;

    private Ipv6Header(ByteBuffer buf, int off, int upperOffset, int upperProtocol) {
        this.buf = buf;
        this.off = off;
        this.upperOffset = upperOffset;
        this.upperProtocol = upperProtocol;
    }

    /** A view that trusts the header and assumes no extension headers. */
    public static Ipv6Header wrap(ByteBuffer buf, int offset) {
        return new Ipv6Header(buf, offset, offset + LENGTH, buf.get(offset + 6) & 0xFF);
    }

    /**
     * Validates the fixed header and walks hop-by-hop, routing and destination options headers. A fragment
     * header drops the packet ({@link PacketDropReason#FRAGMENT}); a chain ending in anything else (ESP, AH, no next
     * header, unknown) stops the walk and the caller sees that protocol as the upper layer.
     */
    public static Ipv6Header parse(ByteBuffer buf, int offset, int available) throws MalformedPacketException {
        if (available < LENGTH) {
            throw MalformedPacketException.of(PacketDropReason.TRUNCATED);
        }
        if (((buf.get(offset) & 0xFF) >>> 4) != 6) {
            throw MalformedPacketException.of(PacketDropReason.BAD_IP_VERSION);
        }
        int payloadLength = buf.getShort(offset + 4) & 0xFFFF;
        if (payloadLength == 0) {
            // Zero means a jumbogram (RFC 2675) or nothing at all; neither fits a tunnel MTU.
            throw MalformedPacketException.of(PacketDropReason.BAD_TOTAL_LENGTH);
        }
        if (LENGTH + payloadLength > available) {
            throw MalformedPacketException.of(PacketDropReason.TRUNCATED);
        }
        int end = offset + LENGTH + payloadLength;
        int next = buf.get(offset + 6) & 0xFF;
        int at = offset + LENGTH;
        for (int count = 0; ; count++) {
            switch (next) {
                case IpProtocol.HOP_BY_HOP, IpProtocol.IPV6_ROUTING, IpProtocol.IPV6_DESTINATION_OPTIONS -> {
                    if (next == IpProtocol.HOP_BY_HOP && count != 0) {
                        throw MalformedPacketException.of(PacketDropReason.BAD_EXTENSION_HEADER);
                    }
                    if (count >= MAX_EXTENSION_HEADERS || end - at < 8) {
                        throw MalformedPacketException.of(PacketDropReason.BAD_EXTENSION_HEADER);
                    }
                    int len = ((buf.get(at + 1) & 0xFF) + 1) * 8;
                    if (len > end - at) {
                        throw MalformedPacketException.of(PacketDropReason.BAD_EXTENSION_HEADER);
                    }
                    next = buf.get(at) & 0xFF;
                    at += len;
                }
                case IpProtocol.IPV6_FRAGMENT -> throw MalformedPacketException.of(PacketDropReason.FRAGMENT);
                default -> {
                    return new Ipv6Header(buf, offset, at, next);
                }
            }
        }
    }

    @Override
    public int version() {
        return 6;
    }

    public int trafficClass() {
        return (buf.getShort(off) >>> 4) & 0xFF;
    }

    public int flowLabel() {
        return buf.getInt(off) & 0xFFFFF;
    }

    /** The payload length field: bytes after the fixed header, extension headers included. */
    public int payloadLengthField() {
        return buf.getShort(off + 4) & 0xFFFF;
    }

    /** The Next Header field of the fixed header (before any extension header). */
    public int nextHeader() {
        return buf.get(off + 6) & 0xFF;
    }

    @Override
    public int hopLimit() {
        return buf.get(off + 7) & 0xFF;
    }

    @Override
    public ByteBuffer buffer() {
        return buf;
    }

    @Override
    public int offset() {
        return off;
    }

    @Override
    public int payloadOffset() {
        return upperOffset;
    }

    @Override
    public int payloadLength() {
        return off + LENGTH + payloadLengthField() - upperOffset;
    }

    @Override
    public int payloadProtocol() {
        return upperProtocol;
    }

    @Override
    public int packetLength() {
        return LENGTH + payloadLengthField();
    }

    /** Bytes of extension headers between the fixed header and the upper layer. */
    public int extensionHeadersLength() {
        return upperOffset - off - LENGTH;
    }

    /** High 64 bits of the source address: with {@link #sourceLow()}, an allocation-free flow key. */
    public long sourceHigh() {
        return buf.getLong(off + 8);
    }

    public long sourceLow() {
        return buf.getLong(off + 16);
    }

    /** High 64 bits of the destination address. */
    public long destinationHigh() {
        return buf.getLong(off + 24);
    }

    public long destinationLow() {
        return buf.getLong(off + 32);
    }

    @Override
    public int addressLength() {
        return 16;
    }

    @Override
    public int sourceAddressIndex() {
        return off + 8;
    }

    @Override
    public long pseudoHeaderSum(int protocol, int length) {
        // RFC 8200 section 8.1: addresses, 32-bit upper-layer length, three zero bytes, next header.
        long sum = InternetChecksum.add(0, buf, sourceAddressIndex(), 2 * addressLength());
        return sum + (length >>> 16) + (length & 0xFFFF) + protocol;
    }
}
