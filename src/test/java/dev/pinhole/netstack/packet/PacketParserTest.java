package dev.pinhole.netstack.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class PacketParserTest {
    private final PacketParser parser = new PacketParser();

    private static ByteBuffer packet(String hex) {
        return Hex.buffer(hex);
    }

    private PacketDropReason dropReasonOf(ByteBuffer b) {
        ParseResult r = parser.parse(b);
        assertThat(r).isInstanceOf(ParseResult.Dropped.class);
        return ((ParseResult.Dropped) r).reason();
    }

    @Test
    void ipv4SynExposesHeaderFieldsAndOptions() throws Exception {
        var r = (ParseResult.TcpSegment) parser.parse(packet(CapturedPackets.V4_SYN));
        var ip = (Ipv4Header) r.ip();
        assertThat(ip.headerLength()).isEqualTo(20);
        assertThat(ip.totalLength()).isEqualTo(60);
        assertThat(ip.identification()).isEqualTo(0x1234);
        assertThat(ip.dontFragment()).isTrue();
        assertThat(ip.hopLimit()).isEqualTo(64);
        assertThat(ip.source()).isEqualTo(InetAddress.getByName("10.0.0.2"));
        assertThat(ip.destination()).isEqualTo(InetAddress.getByName("100.80.0.5"));
        var tcp = r.tcp();
        assertThat(tcp.sourcePort()).isEqualTo(40000);
        assertThat(tcp.destinationPort()).isEqualTo(443);
        assertThat(tcp.sequenceNumber()).isEqualTo(0x11223344);
        assertThat(tcp.flags()).isEqualTo(TcpFlags.SYN);
        assertThat(tcp.window()).isEqualTo(64240);
        assertThat(tcp.headerLength()).isEqualTo(40);
        assertThat(tcp.payloadLength()).isZero();
        assertThat(tcp.sequenceLength()).isEqualTo(1);
        assertThat(tcp.options()).isEqualTo(new TcpOptions(1380, 7, true, true, 123456, 0, java.util.List.of()));
        // MSS (4 bytes) and SACK-permitted (2) precede the timestamps kind and length bytes.
        assertThat(tcp.timestampsIndex()).isEqualTo(20 + 20 + 4 + 2 + 2);
    }

    @Test
    void ipv6WalksHopByHopAndDestinationOptionsToTcp() {
        var r = (ParseResult.TcpSegment) parser.parse(packet(CapturedPackets.V6_SYN_WITH_EXTENSIONS));
        var ip = (Ipv6Header) r.ip();
        assertThat(ip.nextHeader()).isEqualTo(IpProtocol.HOP_BY_HOP);
        assertThat(ip.payloadProtocol()).isEqualTo(IpProtocol.TCP);
        assertThat(ip.extensionHeadersLength()).isEqualTo(16);
        assertThat(ip.payloadOffset()).isEqualTo(56);
        assertThat(ip.payloadLength()).isEqualTo(24);
        assertThat(ip.sourceHigh()).isEqualTo(0xfd00000000000000L);
        assertThat(ip.sourceLow()).isEqualTo(2L);
        assertThat(ip.destinationHigh()).isEqualTo(0xfd00008000000000L);
        assertThat(ip.destinationLow()).isEqualTo(5L);
        assertThat(r.tcp().sequenceNumber()).isEqualTo(0xfffffff0);
        assertThat(r.tcp().options().mss()).isEqualTo(1404);
        assertThat(r.tcp().options().windowScale()).isEqualTo(-1);
    }

    @Test
    void udpDatagramPayloadIsASliceOfThePacket() {
        var r = (ParseResult.UdpDatagram) parser.parse(packet(CapturedPackets.V4_UDP_DNS));
        assertThat(r.udp().sourcePort()).isEqualTo(53000);
        assertThat(r.udp().destinationPort()).isEqualTo(53);
        assertThat(r.udp().payloadLength()).isEqualTo(29);
        assertThat(r.udp().payload().get(0)).isEqualTo((byte) 0xab);
    }

    @Test
    void icmpv6EchoVerifiesWithPseudoHeader() {
        var r = (ParseResult.IcmpMessage) parser.parse(packet(CapturedPackets.V6_ECHO));
        assertThat(r.icmp().isEchoRequest()).isTrue();
        assertThat(r.icmp().echoIdentifier()).isEqualTo(0x42);
        assertThat(r.icmp().echoSequence()).isEqualTo(7);
    }

    @Test
    void icmpv4Echo() {
        var r = (ParseResult.IcmpMessage) parser.parse(packet(CapturedPackets.V4_ECHO));
        assertThat(r.icmp().version()).isEqualTo(4);
        assertThat(r.icmp().isEchoRequest()).isTrue();
        assertThat(r.icmp().isError()).isFalse();
    }

    @Test
    void parsingHonoursBufferPositionAndLeavesItAlone() {
        var raw = Hex.buffer("deadbeef" + CapturedPackets.V4_ECHO);
        raw.position(4);
        assertThat(parser.parse(raw)).isInstanceOf(ParseResult.IcmpMessage.class);
        assertThat(raw.position()).isEqualTo(4);
    }

    @Test
    void trailingLinkPaddingIsIgnored() {
        var r = parser.parse(packet(CapturedPackets.V4_ECHO + "00000000"));
        assertThat(r).isInstanceOf(ParseResult.IcmpMessage.class);
        assertThat(((ParseResult.IcmpMessage) r).icmp().length()).isEqualTo(16);
    }

    @Test
    void emptyPacketIsTruncated() {
        assertThat(dropReasonOf(ByteBuffer.allocate(0))).isEqualTo(PacketDropReason.TRUNCATED);
    }

    @Test
    void truncatedIpv4IsDropped() {
        var b = packet(CapturedPackets.V4_SYN);
        b.limit(50);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.TRUNCATED);
    }

    @Test
    void ipv4HeaderLengthBelowFiveWordsIsDropped() {
        var b = packet(CapturedPackets.V4_SYN);
        b.put(0, (byte) 0x44);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_HEADER_LENGTH);
    }

    @Test
    void ipv4TotalLengthShorterThanHeaderIsDropped() {
        var b = packet(CapturedPackets.V4_SYN);
        b.putShort(2, (short) 12);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_TOTAL_LENGTH);
    }

    @Test
    void versionFiveIsDropped() {
        var b = packet(CapturedPackets.V4_SYN);
        b.put(0, (byte) 0x55);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_IP_VERSION);
    }

    @Test
    void corruptIpv4HeaderChecksumIsDropped() {
        var b = packet(CapturedPackets.V4_SYN);
        b.put(8, (byte) 63);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_CHECKSUM);
    }

    @Test
    void corruptTcpChecksumIsDropped() {
        var b = packet(CapturedPackets.V4_SYN);
        b.put(25, (byte) 0x45);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_CHECKSUM);
    }

    @Test
    void aParserTrustingTransportChecksumsAcceptsACorruptTcpChecksum() {
        var b = packet(CapturedPackets.V4_SYN);
        b.put(25, (byte) 0x45);
        var r = new PacketParser(TransportChecksums.TRUST).parse(b);
        assertThat(r).isInstanceOf(ParseResult.TcpSegment.class);
        assertThat(((ParseResult.TcpSegment) r).tcp().destinationPort()).isEqualTo(443);
    }

    @Test
    void aParserTrustingTransportChecksumsAcceptsCorruptUdpAndIcmpv6Checksums() {
        var udp = packet(CapturedPackets.V4_UDP_DNS);
        udp.put(udp.limit() - 1, (byte) (udp.get(udp.limit() - 1) ^ 0x5a));
        var icmp = packet(CapturedPackets.V6_ECHO);
        icmp.put(icmp.limit() - 1, (byte) 0);
        var trusting = new PacketParser(TransportChecksums.TRUST);
        assertThat(trusting.parse(udp)).isInstanceOf(ParseResult.UdpDatagram.class);
        assertThat(trusting.parse(icmp)).isInstanceOf(ParseResult.IcmpMessage.class);
    }

    @Test
    void aParserTrustingTransportChecksumsStillChecksHeadersAndLengths() {
        var trusting = new PacketParser(TransportChecksums.TRUST);
        var ipChecksum = packet(CapturedPackets.V4_SYN);
        ipChecksum.put(8, (byte) 63);
        var dataOffset = packet(CapturedPackets.V4_SYN);
        dataOffset.put(32, (byte) 0xF0);
        var udpLength = packet(CapturedPackets.V4_UDP_DNS);
        udpLength.putShort(24, (short) 200);
        assertThat(((ParseResult.Dropped) trusting.parse(ipChecksum)).reason())
                .isEqualTo(PacketDropReason.BAD_CHECKSUM);
        assertThat(((ParseResult.Dropped) trusting.parse(dataOffset)).reason())
                .isEqualTo(PacketDropReason.BAD_HEADER_LENGTH);
        assertThat(((ParseResult.Dropped) trusting.parse(udpLength)).reason())
                .isEqualTo(PacketDropReason.BAD_UDP_LENGTH);
    }

    @Test
    void ipv4FragmentsAreDroppedAndCounted() {
        var b = packet(CapturedPackets.V4_ECHO);
        var ip = Ipv4Header.wrap(b, 0);
        b.putShort(6, (short) 0x2000);
        ip.updateHeaderChecksum();
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.FRAGMENT);
        b.putShort(6, (short) 0x0001);
        ip.updateHeaderChecksum();
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.FRAGMENT);
        assertThat(parser.drops().count(PacketDropReason.FRAGMENT)).isEqualTo(2);
        assertThat(parser.drops().total()).isEqualTo(2);
    }

    @Test
    void ipv6FragmentHeaderIsDropped() {
        // Turn the destination options header into a fragment header (next header 44 from hop-by-hop).
        var b = packet(CapturedPackets.V6_SYN_WITH_EXTENSIONS);
        b.put(40, (byte) IpProtocol.IPV6_FRAGMENT);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.FRAGMENT);
    }

    @Test
    void hopByHopAfterTheFirstHeaderIsDropped() {
        var b = packet(CapturedPackets.V6_SYN_WITH_EXTENSIONS);
        b.put(48, (byte) IpProtocol.HOP_BY_HOP);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_EXTENSION_HEADER);
    }

    @Test
    void extensionHeaderRunningPastThePacketIsDropped() {
        var b = packet(CapturedPackets.V6_SYN_WITH_EXTENSIONS);
        b.put(49, (byte) 9);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_EXTENSION_HEADER);
    }

    @Test
    void ipv6PayloadLongerThanReceivedIsTruncated() {
        var b = packet(CapturedPackets.V6_ECHO);
        b.putShort(4, (short) 100);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.TRUNCATED);
    }

    @Test
    void ipv6JumbogramIsDropped() {
        var b = packet(CapturedPackets.V6_ECHO);
        b.putShort(4, (short) 0);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_TOTAL_LENGTH);
    }

    @Test
    void corruptIcmpv6ChecksumIsDropped() {
        var b = packet(CapturedPackets.V6_ECHO);
        b.put(b.limit() - 1, (byte) 0);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_CHECKSUM);
    }

    @Test
    void unsupportedProtocolIsDropped() {
        var b = packet(CapturedPackets.V4_ECHO);
        b.put(9, (byte) IpProtocol.ESP);
        Ipv4Header.wrap(b, 0).updateHeaderChecksum();
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.UNSUPPORTED_PROTOCOL);
    }

    @Test
    void tcpDataOffsetPastSegmentIsDropped() {
        var b = packet(CapturedPackets.V4_SYN);
        b.put(32, (byte) 0xF0);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_HEADER_LENGTH);
    }

    @Test
    void tcpOptionLengthOverrunningOptionSpaceIsDropped() {
        // Rewrite the window-scale option (last 4 bytes) as kind 3 with length 9, then fix the checksum.
        var b = packet(CapturedPackets.V4_SYN);
        b.put(58, (byte) 9);
        fixTcpChecksum(b);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_TCP_OPTIONS);
    }

    @Test
    void udpLengthBeyondIpPayloadIsDropped() {
        var b = packet(CapturedPackets.V4_UDP_DNS);
        b.putShort(24, (short) 200);
        assertThat(dropReasonOf(b)).isEqualTo(PacketDropReason.BAD_UDP_LENGTH);
    }

    @Test
    void zeroUdpChecksumMeansNoneOverIpv4() {
        var b = packet(CapturedPackets.V4_UDP_DNS);
        b.putShort(26, (short) 0);
        assertThat(parser.parse(b)).isInstanceOf(ParseResult.UdpDatagram.class);
    }

    private static void fixTcpChecksum(ByteBuffer b) {
        var ip = Ipv4Header.wrap(b, 0);
        b.putShort(ip.payloadOffset() + 16, (short) 0);
        long sum = ip.pseudoHeaderSum(IpProtocol.TCP, ip.payloadLength());
        b.putShort(ip.payloadOffset() + 16,
                (short) InternetChecksum.finish(InternetChecksum.add(sum, b, ip.payloadOffset(), ip.payloadLength())));
    }
}
