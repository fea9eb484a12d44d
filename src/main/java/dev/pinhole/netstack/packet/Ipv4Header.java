package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/**
 * An IPv4 header view (RFC 791). Construct through {@link #parse} (validates) or {@link #wrap} (trusts the caller,
 * for packets this stack built).
 */
public final class Ipv4Header implements IpHeader {
    public static final int MIN_LENGTH = 20;
    private static final int FLAG_DF = 0x4000;
    private static final int FLAG_MF = 0x2000;
    private static final int OFFSET_MASK = 0x1FFF;

    private final ByteBuffer buf;
    private final int off;

    private Ipv4Header(ByteBuffer buf, int off) {
        this.buf = buf;
        this.off = off;
    }

    /** A view without validation; for buffers this stack wrote. */
    public static Ipv4Header wrap(ByteBuffer buf, int offset) {
        return new Ipv4Header(buf, offset);
    }

    /**
     * Validates the header at {@code offset} against the {@code available} bytes: version, IHL, total length,
     * header checksum, fragmentation. Returns the view, or throws {@link MalformedPacketException} with the reason.
     */
    public static Ipv4Header parse(ByteBuffer buf, int offset, int available) throws MalformedPacketException {
        if (available < MIN_LENGTH) {
            throw MalformedPacketException.of(PacketDropReason.TRUNCATED);
        }
        Ipv4Header h = new Ipv4Header(buf, offset);
        if (h.version() != 4) {
            throw MalformedPacketException.of(PacketDropReason.BAD_IP_VERSION);
        }
        int ihl = h.headerLength();
        if (ihl < MIN_LENGTH) {
            throw MalformedPacketException.of(PacketDropReason.BAD_HEADER_LENGTH);
        }
        if (ihl > available) {
            throw MalformedPacketException.of(PacketDropReason.TRUNCATED);
        }
        int total = h.totalLength();
        if (total < ihl) {
            throw MalformedPacketException.of(PacketDropReason.BAD_TOTAL_LENGTH);
        }
        if (total > available) {
            throw MalformedPacketException.of(PacketDropReason.TRUNCATED);
        }
        if (!h.headerChecksumVerifies()) {
            throw MalformedPacketException.of(PacketDropReason.BAD_CHECKSUM);
        }
        if (h.isFragment()) {
            throw MalformedPacketException.of(PacketDropReason.FRAGMENT);
        }
        return h;
    }

    @Override
    public int version() {
        return (buf.get(off) & 0xFF) >>> 4;
    }

    /** IHL in bytes, options included. */
    public int headerLength() {
        return (buf.get(off) & 0x0F) * 4;
    }

    public int dscpEcn() {
        return buf.get(off + 1) & 0xFF;
    }

    public int totalLength() {
        return buf.getShort(off + 2) & 0xFFFF;
    }

    public int identification() {
        return buf.getShort(off + 4) & 0xFFFF;
    }

    public boolean dontFragment() {
        return (buf.getShort(off + 6) & FLAG_DF) != 0;
    }

    public boolean moreFragments() {
        return (buf.getShort(off + 6) & FLAG_MF) != 0;
    }

    /** Fragment offset in bytes. */
    public int fragmentOffset() {
        return (buf.getShort(off + 6) & OFFSET_MASK) * 8;
    }

    public boolean isFragment() {
        return moreFragments() || fragmentOffset() != 0;
    }

    @Override
    public int hopLimit() {
        return buf.get(off + 8) & 0xFF;
    }

    public int protocol() {
        return buf.get(off + 9) & 0xFF;
    }

    public int headerChecksum() {
        return buf.getShort(off + 10) & 0xFFFF;
    }

    public boolean headerChecksumVerifies() {
        return InternetChecksum.verifies(InternetChecksum.add(0, buf, off, headerLength()));
    }

    /** Recomputes and stores the header checksum. */
    public void updateHeaderChecksum() {
        buf.putShort(off + 10, (short) 0);
        buf.putShort(off + 10, (short) InternetChecksum.compute(buf, off, headerLength()));
    }

    /** Source address as a big-endian int. */
    public int sourceInt() {
        return buf.getInt(off + 12);
    }

    /** Destination address as a big-endian int. */
    public int destinationInt() {
        return buf.getInt(off + 16);
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
        return off + headerLength();
    }

    @Override
    public int payloadLength() {
        return totalLength() - headerLength();
    }

    @Override
    public int payloadProtocol() {
        return protocol();
    }

    @Override
    public int packetLength() {
        return totalLength();
    }

    @Override
    public int addressLength() {
        return 4;
    }

    @Override
    public int sourceAddressIndex() {
        return off + 12;
    }

    @Override
    public long pseudoHeaderSum(int protocol, int length) {
        long sum = InternetChecksum.add(0, buf, sourceAddressIndex(), 2 * addressLength());
        return sum + protocol + length;
    }
}
