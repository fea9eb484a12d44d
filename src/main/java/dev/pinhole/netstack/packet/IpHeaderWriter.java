package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/** Writes IPv4 and IPv6 headers (no options, no extension headers) and pseudo-header sums for builders. */
public final class IpHeaderWriter {
    public static final int DEFAULT_HOP_LIMIT = 64;

    private IpHeaderWriter() {
    }

    /** 20 for a 4-byte address, 40 for a 16-byte one. */
    public static int headerLength(byte[] address) {
        return switch (address.length) {
            case 4 -> Ipv4Header.MIN_LENGTH;
            case 16 -> Ipv6Header.LENGTH;
            default -> throw new IllegalArgumentException("address must be 4 or 16 bytes, got " + address.length);
        };
    }

    /**
     * Writes an IP header at absolute {@code at} for {@code payloadLength} bytes of {@code protocol}; the IPv4
     * header checksum is filled in. DF is set: the tunnel path has a known MTU and we never fragment.
     */
    public static void write(ByteBuffer out, int at, byte[] source, byte[] destination, int protocol,
            int payloadLength, int hopLimit) {
        if (source.length != destination.length) {
            throw new IllegalArgumentException("source and destination address families differ");
        }
        if (source.length == 4) {
            out.put(at, (byte) 0x45);
            out.put(at + 1, (byte) 0);
            out.putShort(at + 2, (short) (Ipv4Header.MIN_LENGTH + payloadLength));
            out.putShort(at + 4, (short) 0);
            out.putShort(at + 6, (short) 0x4000);
            out.put(at + 8, (byte) hopLimit);
            out.put(at + 9, (byte) protocol);
            out.putShort(at + 10, (short) 0);
            out.put(at + 12, source);
            out.put(at + 16, destination);
            out.putShort(at + 10, (short) InternetChecksum.compute(out, at, Ipv4Header.MIN_LENGTH));
        } else {
            out.putInt(at, 0x60000000);
            out.putShort(at + 4, (short) payloadLength);
            out.put(at + 6, (byte) protocol);
            out.put(at + 7, (byte) hopLimit);
            out.put(at + 8, source);
            out.put(at + 24, destination);
        }
    }

    /** The unfolded pseudo-header sum (RFC 9293 3.1 for IPv4, RFC 8200 8.1 for IPv6). */
    public static long pseudoHeaderSum(byte[] source, byte[] destination, int protocol, int length) {
        long sum = InternetChecksum.add(InternetChecksum.add(0, source), destination);
        return sum + protocol + (length >>> 16) + (length & 0xFFFF);
    }
}
