package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/** Writes a UDP/IP datagram into a caller's buffer. */
public final class UdpDatagramWriter {
    private UdpDatagramWriter() {
    }

    /**
     * Writes the datagram at {@code out.position()} carrying {@code payload}'s remaining bytes (not consumed), sets
     * {@code out.limit()} to its end and returns its length.
     */
    public static int write(ByteBuffer out, byte[] source, int sourcePort, byte[] destination, int destinationPort,
            ByteBuffer payload) {
        int ipAt = out.position();
        int ipLen = IpHeaderWriter.headerLength(source);
        int udpLen = UdpHeader.LENGTH + payload.remaining();
        if (udpLen > 0xFFFF) {
            throw new IllegalArgumentException("UDP payload too large: " + payload.remaining());
        }
        int total = ipLen + udpLen;
        if (out.capacity() - ipAt < total) {
            throw new IllegalArgumentException("output buffer too small: need " + total + " bytes");
        }
        out.limit(ipAt + total);
        IpHeaderWriter.write(out, ipAt, source, destination, IpProtocol.UDP, udpLen, IpHeaderWriter.DEFAULT_HOP_LIMIT);
        int at = ipAt + ipLen;
        out.putShort(at, (short) sourcePort);
        out.putShort(at + 2, (short) destinationPort);
        out.putShort(at + 4, (short) udpLen);
        out.putShort(at + 6, (short) 0);
        out.put(at + UdpHeader.LENGTH, payload, payload.position(), payload.remaining());
        long sum = IpHeaderWriter.pseudoHeaderSum(source, destination, IpProtocol.UDP, udpLen);
        int c = InternetChecksum.finish(InternetChecksum.add(sum, out, at, udpLen));
        // RFC 768: a computed zero is sent as all ones, since zero means "no checksum".
        out.putShort(at + 6, (short) (c == 0 ? 0xFFFF : c));
        return total;
    }
}
