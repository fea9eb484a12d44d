package dev.pinhole.netstack.packet;

import java.nio.ByteBuffer;

/**
 * Classifies a raw IP packet (as decrypted from the tunnel) into a transport view or a drop reason, and counts
 * the drops. Stateless apart from the counters; safe to share between threads.
 */
public final class PacketParser {
    private final PacketDropCounters drops;
    private final TransportChecksums checksums;

    public PacketParser() {
        this(new PacketDropCounters());
    }

    public PacketParser(PacketDropCounters drops) {
        this(drops, TransportChecksums.VERIFY);
    }

    /** A parser for packets authenticated just before (see {@link TransportChecksums#TRUST}), or not. */
    public PacketParser(TransportChecksums checksums) {
        this(new PacketDropCounters(), checksums);
    }

    public PacketParser(PacketDropCounters drops, TransportChecksums checksums) {
        this.drops = drops;
        this.checksums = checksums;
    }

    public PacketDropCounters drops() {
        return drops;
    }

    /**
     * Parses the packet between {@code packet.position()} and {@code packet.limit()}. The buffer's position and
     * limit are not changed; the returned views alias its bytes and are valid only while they stay unchanged.
     */
    public ParseResult parse(ByteBuffer packet) {
        try {
            return classify(packet);
        } catch (MalformedPacketException e) {
            drops.increment(e.reason());
            return ParseResult.Dropped.of(e.reason());
        }
    }

    private ParseResult classify(ByteBuffer packet) throws MalformedPacketException {
        int start = packet.position();
        int available = packet.remaining();
        if (available < 1) {
            throw MalformedPacketException.of(PacketDropReason.TRUNCATED);
        }
        int version = (packet.get(start) & 0xFF) >>> 4;
        IpHeader ip = switch (version) {
            case 4 -> Ipv4Header.parse(packet, start, available);
            case 6 -> Ipv6Header.parse(packet, start, available);
            default -> throw MalformedPacketException.of(PacketDropReason.BAD_IP_VERSION);
        };
        int proto = ip.payloadProtocol();
        if (proto == IpProtocol.TCP) {
            return new ParseResult.TcpSegment(ip, TcpHeader.parse(ip, checksums));
        }
        if (proto == IpProtocol.UDP) {
            return new ParseResult.UdpDatagram(ip, UdpHeader.parse(ip, checksums));
        }
        if ((version == 4 && proto == IpProtocol.ICMP) || (version == 6 && proto == IpProtocol.ICMPV6)) {
            return new ParseResult.IcmpMessage(ip, IcmpHeader.parse(ip, checksums));
        }
        throw MalformedPacketException.of(PacketDropReason.UNSUPPORTED_PROTOCOL);
    }
}
