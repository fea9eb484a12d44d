package dev.pinhole.netstack.packet;

/** What {@link PacketParser} made of one raw IP packet: a view per transport, or a counted drop. */
public sealed interface ParseResult {
    /** A TCP segment with its IP header; both views alias the caller's buffer. */
    record TcpSegment(IpHeader ip, TcpHeader tcp) implements ParseResult {
    }

    /** A UDP datagram with its IP header; both views alias the caller's buffer. */
    record UdpDatagram(IpHeader ip, UdpHeader udp) implements ParseResult {
    }

    /** An ICMPv4 or ICMPv6 message with its IP header; both views alias the caller's buffer. */
    record IcmpMessage(IpHeader ip, IcmpHeader icmp) implements ParseResult {
    }

    /** The packet is malformed or unsupported; it must be dropped, never answered. */
    record Dropped(PacketDropReason reason) implements ParseResult {
        private static final Dropped[] BY_REASON = new Dropped[PacketDropReason.values().length];

        static {
            for (PacketDropReason r : PacketDropReason.values()) {
                BY_REASON[r.ordinal()] = new Dropped(r);
            }
        }

        /** The shared instance for a reason. */
        public static Dropped of(PacketDropReason reason) {
            return BY_REASON[reason.ordinal()];
        }
    }
}
