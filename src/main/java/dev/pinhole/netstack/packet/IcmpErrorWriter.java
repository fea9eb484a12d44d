package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/** Writes ICMP destination-unreachable errors that quote the offending packet (RFC 792, RFC 1812, RFC 4443). */
public final class IcmpErrorWriter {
    /** RFC 4443 2.4(c): an ICMPv6 error must not exceed the IPv6 minimum MTU. */
    static final int IPV6_MIN_MTU = 1280;

    private IcmpErrorWriter() {
    }

    /** "Communication administratively prohibited" for either version; see {@link #destinationUnreachable}. */
    public static int administrativelyProhibited(ByteBuffer out, byte[] source, IpHeader offending) {
        int code = offending.version() == 4 ? IcmpType.V4_CODE_ADMIN_PROHIBITED : IcmpType.V6_CODE_ADMIN_PROHIBITED;
        return destinationUnreachable(out, source, offending, code);
    }

    /**
     * Writes a destination unreachable with {@code code} (version-specific numbering) from {@code source} to the
     * offending packet's source, at {@code out.position()}; sets the limit to its end and returns its length.
     * IPv4 quotes the IP header and the first 8 payload bytes (RFC 792); IPv6 quotes as much as fits in 1280
     * bytes (RFC 4443). Returns 0, writing nothing, when an error must not be sent: the offending packet is
     * itself an ICMP error (RFC 1122 3.2.2, RFC 4443 2.4(e)).
     */
    public static int destinationUnreachable(ByteBuffer out, byte[] source, IpHeader offending, int code) {
        if (isIcmpError(offending)) {
            return 0;
        }
        byte[] destination = offending.sourceBytes();
        int ipLen = IpHeaderWriter.headerLength(source);
        int quoted;
        int type;
        int protocol;
        if (offending.version() == 4) {
            quoted = Math.min(offending.packetLength(), offending.payloadOffset() - offending.offset() + 8);
            type = IcmpType.V4_DESTINATION_UNREACHABLE;
            protocol = IpProtocol.ICMP;
        } else {
            quoted = Math.min(offending.packetLength(), IPV6_MIN_MTU - ipLen - IcmpHeader.MIN_LENGTH);
            type = IcmpType.V6_DESTINATION_UNREACHABLE;
            protocol = IpProtocol.ICMPV6;
        }
        int icmpLen = IcmpHeader.MIN_LENGTH + quoted;
        int ipAt = out.position();
        int total = ipLen + icmpLen;
        if (out.capacity() - ipAt < total) {
            throw new IllegalArgumentException("output buffer too small: need " + total + " bytes");
        }
        out.limit(ipAt + total);
        IpHeaderWriter.write(out, ipAt, source, destination, protocol, icmpLen, IpHeaderWriter.DEFAULT_HOP_LIMIT);
        int at = ipAt + ipLen;
        out.put(at, (byte) type).put(at + 1, (byte) code).putShort(at + 2, (short) 0).putInt(at + 4, 0);
        out.put(at + IcmpHeader.MIN_LENGTH, offending.buffer(), offending.offset(), quoted);
        long sum = offending.version() == 4 ? 0
                : IpHeaderWriter.pseudoHeaderSum(source, destination, protocol, icmpLen);
        out.putShort(at + 2, (short) InternetChecksum.finish(InternetChecksum.add(sum, out, at, icmpLen)));
        return total;
    }

    private static boolean isIcmpError(IpHeader ip) {
        int p = ip.payloadProtocol();
        if (ip.payloadLength() < 1) {
            return false;
        }
        int type = ip.buffer().get(ip.payloadOffset()) & 0xFF;
        if (ip.version() == 4 && p == IpProtocol.ICMP) {
            return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
        }
        return ip.version() == 6 && p == IpProtocol.ICMPV6 && type < 128;
    }
}
