package dev.pinhole.netstack.packet;

/** Why a packet from the tunnel was dropped without an answer; each reason is counted. */
public enum PacketDropReason {
    /** Fewer bytes than the headers it claims need. */
    TRUNCATED,
    /** The IP version nibble is neither 4 nor 6. */
    BAD_IP_VERSION,
    /** An IPv4 IHL below 5, or a TCP data offset below 5 or past the segment. */
    BAD_HEADER_LENGTH,
    /** An IP total/payload length that disagrees with the bytes received, or an IPv6 jumbogram. */
    BAD_TOTAL_LENGTH,
    /** An IPv4 header, TCP, UDP or ICMP checksum that does not verify (or a zero UDP checksum over IPv6). */
    BAD_CHECKSUM,
    /** A fragment (IPv4 MF or offset, IPv6 fragment header): the connector does not reassemble. */
    FRAGMENT,
    /** An upper-layer protocol other than TCP, UDP, ICMP for IPv4 or ICMPv6 for IPv6. */
    UNSUPPORTED_PROTOCOL,
    /** An IPv6 extension header chain that is misplaced, overlong or runs past the packet. */
    BAD_EXTENSION_HEADER,
    /** TCP options whose length bytes do not fit the option space. */
    BAD_TCP_OPTIONS,
    /** A UDP length field below 8 or past the IP payload. */
    BAD_UDP_LENGTH
}
