package dev.pinhole.netstack.packet;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/** A validated IPv4 or IPv6 header over a buffer, with the location of its upper-layer payload. */
public sealed interface IpHeader permits Ipv4Header, Ipv6Header {
    /** 4 or 6. */
    int version();

    /** The buffer the view reads; absolute indexes, position untouched. */
    ByteBuffer buffer();

    /** Absolute index of the first IP header byte. */
    int offset();

    /** Absolute index of the upper-layer (TCP/UDP/ICMP) header, after options or extension headers. */
    int payloadOffset();

    /** Bytes from {@link #payloadOffset()} to the end of the IP packet. */
    int payloadLength();

    /** The upper-layer protocol number (after walking IPv6 extension headers). */
    int payloadProtocol();

    /** Bytes from {@link #offset()} to the end of the IP packet (trailing link padding excluded). */
    int packetLength();

    /** Address width in bytes: 4 or 16. */
    int addressLength();

    /** Absolute index of the source address; the destination follows it directly in both versions. */
    int sourceAddressIndex();

    /** The source address bytes (4 or 16), freshly copied. */
    default byte[] sourceBytes() {
        byte[] a = new byte[addressLength()];
        buffer().get(sourceAddressIndex(), a);
        return a;
    }

    /** The destination address bytes (4 or 16), freshly copied. */
    default byte[] destinationBytes() {
        byte[] a = new byte[addressLength()];
        buffer().get(sourceAddressIndex() + addressLength(), a);
        return a;
    }

    /** TTL or hop limit. */
    int hopLimit();

    /** The unfolded pseudo-header sum for an upper-layer checksum over {@code length} bytes of {@code protocol}. */
    long pseudoHeaderSum(int protocol, int length);

    default InetAddress source() {
        return InetAddresses.of(sourceBytes());
    }

    default InetAddress destination() {
        return InetAddresses.of(destinationBytes());
    }

    /** Verifies an upper-layer checksum (TCP, UDP, ICMPv6) over {@code length} bytes at {@link #payloadOffset()}. */
    default boolean upperLayerChecksumVerifies(int protocol, int length) {
        long sum = pseudoHeaderSum(protocol, length);
        return InternetChecksum.verifies(InternetChecksum.add(sum, buffer(), payloadOffset(), length));
    }
}
