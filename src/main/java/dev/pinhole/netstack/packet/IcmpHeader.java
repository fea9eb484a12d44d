package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/** An ICMPv4 or ICMPv6 message view; {@link #version()} tells which numbering the type follows. */
public final class IcmpHeader {
    public static final int MIN_LENGTH = 8;

    private final ByteBuffer buf;
    private final int off;
    private final int length;
    private final int version;

    private IcmpHeader(ByteBuffer buf, int off, int length, int version) {
        this.buf = buf;
        this.off = off;
        this.length = length;
        this.version = version;
    }

    /** Validates length and checksum: plain over the message for ICMPv4, with the pseudo-header for ICMPv6. */
    public static IcmpHeader parse(IpHeader ip) throws MalformedPacketException {
        return parse(ip, TransportChecksums.VERIFY);
    }

    /** As {@link #parse(IpHeader)}; the checksum only when {@code checksums} is {@link TransportChecksums#VERIFY}. */
    public static IcmpHeader parse(IpHeader ip, TransportChecksums checksums) throws MalformedPacketException {
        int len = ip.payloadLength();
        if (len < MIN_LENGTH) {
            throw MalformedPacketException.of(PacketDropReason.TRUNCATED);
        }
        boolean ok = checksums == TransportChecksums.TRUST || (ip.version() == 4
                ? InternetChecksum.verifies(InternetChecksum.add(0, ip.buffer(), ip.payloadOffset(), len))
                : ip.upperLayerChecksumVerifies(IpProtocol.ICMPV6, len));
        if (!ok) {
            throw MalformedPacketException.of(PacketDropReason.BAD_CHECKSUM);
        }
        return new IcmpHeader(ip.buffer(), ip.payloadOffset(), len, ip.version());
    }

    /** 4 for ICMP, 6 for ICMPv6. */
    public int version() {
        return version;
    }

    public ByteBuffer buffer() {
        return buf;
    }

    public int offset() {
        return off;
    }

    /** Bytes of the whole ICMP message. */
    public int length() {
        return length;
    }

    public int type() {
        return buf.get(off) & 0xFF;
    }

    public int code() {
        return buf.get(off + 1) & 0xFF;
    }

    public int checksum() {
        return buf.getShort(off + 2) & 0xFFFF;
    }

    public boolean isEchoRequest() {
        return type() == (version == 4 ? IcmpType.V4_ECHO_REQUEST : IcmpType.V6_ECHO_REQUEST);
    }

    public boolean isEchoReply() {
        return type() == (version == 4 ? IcmpType.V4_ECHO_REPLY : IcmpType.V6_ECHO_REPLY);
    }

    public boolean isDestinationUnreachable() {
        return type() == (version == 4 ? IcmpType.V4_DESTINATION_UNREACHABLE : IcmpType.V6_DESTINATION_UNREACHABLE);
    }

    /** True for the "communication administratively prohibited" unreachable codes of either version. */
    public boolean isAdministrativelyProhibited() {
        return isDestinationUnreachable()
                && code() == (version == 4 ? IcmpType.V4_CODE_ADMIN_PROHIBITED : IcmpType.V6_CODE_ADMIN_PROHIBITED);
    }

    /**
     * True for error messages (which must never be answered with another error, RFC 1122 3.2.2 and RFC 4443 2.4):
     * ICMPv6 types below 128; ICMPv4 unreachable, source quench, redirect, time exceeded, parameter problem.
     */
    public boolean isError() {
        int t = type();
        if (version == 6) {
            return t < 128;
        }
        return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
    }

    /** Echo identifier (valid for echo request/reply). */
    public int echoIdentifier() {
        return buf.getShort(off + 4) & 0xFFFF;
    }

    /** Echo sequence number (valid for echo request/reply). */
    public int echoSequence() {
        return buf.getShort(off + 6) & 0xFFFF;
    }

    /** Absolute index of the data after the 8-byte header: echo data, or the quoted packet of an error. */
    public int bodyOffset() {
        return off + MIN_LENGTH;
    }

    public int bodyLength() {
        return length - MIN_LENGTH;
    }
}
