package dev.pinhole.netstack.packet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PacketBuildersTest {
    private final PacketParser parser = new PacketParser();

    private static byte[] addr(String s) throws Exception {
        return InetAddress.getByName(s).getAddress();
    }

    @Test
    void synAckMatchesIndependentlyBuiltBytes() throws Exception {
        var out = ByteBuffer.allocate(1500);
        int n = new TcpSegmentBuilder().addresses(addr("100.80.0.5"), 443, addr("10.0.0.2"), 40000)
                .begin(1000, 0x11223345, TcpFlags.SYN | TcpFlags.ACK, 65535)
                .mss(1380).sackPermitted().timestamps(5, 123456).windowScale(7)
                .writeTo(out);
        assertThat(n).isEqualTo(60);
        assertThat(Hex.of(out)).isEqualTo(CapturedPackets.V4_SYN_ACK);
    }

    @Test
    void ipv6DataSegmentRoundTripsThroughTheParser() throws Exception {
        var out = ByteBuffer.allocate(1500);
        var data = ByteBuffer.wrap("hello, tunnel".getBytes(StandardCharsets.US_ASCII));
        new TcpSegmentBuilder().addresses(addr("fd00:80::5"), 80, addr("fd00::2"), 40001)
                .begin(-5, 77, TcpFlags.ACK | TcpFlags.PSH, 1024).timestamps(1, 2)
                .payload(PayloadSource.of(data), data.remaining())
                .writeTo(out);
        var r = (ParseResult.TcpSegment) parser.parse(out);
        assertThat(r.tcp().sequenceNumber()).isEqualTo(-5);
        assertThat(r.tcp().acknowledgmentNumber()).isEqualTo(77);
        assertThat(r.tcp().window()).isEqualTo(1024);
        assertThat(r.tcp().payloadLength()).isEqualTo(13);
        assertThat(r.tcp().options().timestampEcho()).isEqualTo(2);
        assertThat(data.position()).isZero();
    }

    @Test
    void resetForSegmentWithoutAckAcknowledgesIt() {
        var syn = (ParseResult.TcpSegment) parser.parse(Hex.buffer(CapturedPackets.V4_SYN));
        var out = ByteBuffer.allocate(100);
        TcpSegmentBuilder.writeResetFor(out, syn);
        var rst = (ParseResult.TcpSegment) parser.parse(out);
        assertThat(rst.tcp().flags()).isEqualTo(TcpFlags.RST | TcpFlags.ACK);
        assertThat(rst.tcp().sequenceNumber()).isZero();
        assertThat(rst.tcp().acknowledgmentNumber()).isEqualTo(0x11223345);
        assertThat(rst.tcp().sourcePort()).isEqualTo(443);
        assertThat(rst.ip().destination()).isEqualTo(syn.ip().source());
    }

    @Test
    void noResetIsWrittenForAReset() throws Exception {
        var out = ByteBuffer.allocate(100);
        new TcpSegmentBuilder().addresses(addr("10.0.0.2"), 1, addr("10.0.0.3"), 2)
                .begin(1, 0, TcpFlags.RST, 0).writeTo(out);
        var rst = (ParseResult.TcpSegment) parser.parse(out);
        assertThat(TcpSegmentBuilder.writeResetFor(ByteBuffer.allocate(100), rst)).isZero();
    }

    @Test
    void udpDatagramRoundTrips() throws Exception {
        var out = ByteBuffer.allocate(1500);
        var payload = ByteBuffer.wrap(new byte[] {1, 2, 3});
        int n = UdpDatagramWriter.write(out, addr("fd00::53"), 53, addr("fd00::2"), 5353, payload);
        assertThat(n).isEqualTo(40 + 8 + 3);
        var r = (ParseResult.UdpDatagram) parser.parse(out);
        assertThat(r.udp().destinationPort()).isEqualTo(5353);
        assertThat(r.udp().payload().remaining()).isEqualTo(3);
    }

    @Test
    void ipv4AdminProhibitedQuotesHeaderAndEightBytes() throws Exception {
        var offending = (ParseResult.TcpSegment) parser.parse(Hex.buffer(CapturedPackets.V4_SYN));
        var out = ByteBuffer.allocate(1500);
        int n = IcmpErrorWriter.administrativelyProhibited(out, addr("100.64.0.1"), offending.ip());
        assertThat(n).isEqualTo(20 + 8 + 28);
        var r = (ParseResult.IcmpMessage) parser.parse(out);
        assertThat(r.icmp().isAdministrativelyProhibited()).isTrue();
        assertThat(r.icmp().code()).isEqualTo(13);
        assertThat(r.ip().destination()).isEqualTo(InetAddress.getByName("10.0.0.2"));
        var quoted = out.duplicate().position(r.icmp().bodyOffset()).limit(r.icmp().bodyOffset() + 28);
        assertThat(Hex.of(quoted)).isEqualTo(CapturedPackets.V4_SYN.substring(0, 56));
    }

    @Test
    void ipv6AdminProhibitedQuotesWholeSmallPacketWithPseudoHeaderChecksum() throws Exception {
        var offending = (ParseResult.TcpSegment) parser.parse(Hex.buffer(CapturedPackets.V6_SYN_WITH_EXTENSIONS));
        var out = ByteBuffer.allocate(1500);
        int n = IcmpErrorWriter.administrativelyProhibited(out, addr("fd00::1"), offending.ip());
        assertThat(n).isEqualTo(40 + 8 + 80);
        var r = (ParseResult.IcmpMessage) parser.parse(out);
        assertThat(r.icmp().type()).isEqualTo(IcmpType.V6_DESTINATION_UNREACHABLE);
        assertThat(r.icmp().code()).isEqualTo(IcmpType.V6_CODE_ADMIN_PROHIBITED);
    }

    @Test
    void ipv6ErrorIsCappedAtMinimumMtu() throws Exception {
        var big = ByteBuffer.allocate(2000);
        UdpDatagramWriter.write(big, addr("fd00::2"), 1, addr("fd00::9"), 2, ByteBuffer.allocate(1800));
        var offending = (ParseResult.UdpDatagram) parser.parse(big);
        int n = IcmpErrorWriter.administrativelyProhibited(ByteBuffer.allocate(2000), addr("fd00::1"), offending.ip());
        assertThat(n).isEqualTo(1280);
    }

    @Test
    void icmpErrorsAreNeverAnsweredWithErrors() throws Exception {
        var offending = (ParseResult.TcpSegment) parser.parse(Hex.buffer(CapturedPackets.V4_SYN));
        var error = ByteBuffer.allocate(1500);
        IcmpErrorWriter.administrativelyProhibited(error, addr("100.64.0.1"), offending.ip());
        var icmp = (ParseResult.IcmpMessage) parser.parse(error);
        assertThat(IcmpErrorWriter.administrativelyProhibited(ByteBuffer.allocate(1500), addr("10.0.0.9"), icmp.ip()))
                .isZero();
    }

    @Test
    void echoRequestsGetRepliesWithTheSameIdentifierSequenceAndData() {
        for (String hex : new String[] {CapturedPackets.V4_ECHO, CapturedPackets.V6_ECHO}) {
            var request = (ParseResult.IcmpMessage) parser.parse(Hex.buffer(hex));
            var out = ByteBuffer.allocate(200);
            IcmpEchoWriter.replyTo(out, request);
            var reply = (ParseResult.IcmpMessage) parser.parse(out);
            assertThat(reply.icmp().isEchoReply()).isTrue();
            assertThat(reply.icmp().echoIdentifier()).isEqualTo(0x42);
            assertThat(reply.icmp().echoSequence()).isEqualTo(7);
            assertThat(reply.ip().source()).isEqualTo(request.ip().destination());
            var data = out.duplicate().position(reply.icmp().bodyOffset());
            assertThat(StandardCharsets.US_ASCII.decode(data).toString()).isEqualTo("pinhole!");
        }
    }

    @Test
    void echoRepliesAreNotAnswered() {
        var request = (ParseResult.IcmpMessage) parser.parse(Hex.buffer(CapturedPackets.V4_ECHO));
        var out = ByteBuffer.allocate(200);
        IcmpEchoWriter.replyTo(out, request);
        var reply = (ParseResult.IcmpMessage) parser.parse(out);
        assertThat(IcmpEchoWriter.replyTo(ByteBuffer.allocate(200), reply)).isZero();
    }
}
