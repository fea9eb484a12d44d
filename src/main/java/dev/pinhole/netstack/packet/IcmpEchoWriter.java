package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/** Writes the echo reply to an echo request (ping of the connector's own tunnel address). */
public final class IcmpEchoWriter {
    private IcmpEchoWriter() {
    }

    /**
     * Writes, at {@code out.position()}, the reply to {@code request} from its destination back to its source,
     * echoing identifier, sequence and data; sets the limit to its end and returns its length, or 0 when
     * {@code request} is not an echo request.
     */
    public static int replyTo(ByteBuffer out, ParseResult.IcmpMessage request) {
        IcmpHeader icmp = request.icmp();
        if (!icmp.isEchoRequest()) {
            return 0;
        }
        IpHeader ip = request.ip();
        byte[] source = ip.destinationBytes();
        byte[] destination = ip.sourceBytes();
        int ipLen = IpHeaderWriter.headerLength(source);
        int icmpLen = icmp.length();
        int total = ipLen + icmpLen;
        int ipAt = out.position();
        if (out.capacity() - ipAt < total) {
            throw new IllegalArgumentException("output buffer too small: need " + total + " bytes");
        }
        out.limit(ipAt + total);
        int protocol = ip.version() == 4 ? IpProtocol.ICMP : IpProtocol.ICMPV6;
        IpHeaderWriter.write(out, ipAt, source, destination, protocol, icmpLen, IpHeaderWriter.DEFAULT_HOP_LIMIT);
        int at = ipAt + ipLen;
        out.put(at, icmp.buffer(), icmp.offset(), icmpLen);
        out.put(at, (byte) (ip.version() == 4 ? IcmpType.V4_ECHO_REPLY : IcmpType.V6_ECHO_REPLY));
        out.put(at + 1, (byte) 0);
        out.putShort(at + 2, (short) 0);
        long sum = ip.version() == 4 ? 0 : IpHeaderWriter.pseudoHeaderSum(source, destination, protocol, icmpLen);
        out.putShort(at + 2, (short) InternetChecksum.finish(InternetChecksum.add(sum, out, at, icmpLen)));
        return total;
    }
}
