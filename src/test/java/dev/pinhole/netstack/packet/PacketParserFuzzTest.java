package dev.pinhole.netstack.packet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * Any byte string fed to the parser yields a view or a drop reason, never an exception, and every accessor of a
 * returned view stays inside the packet. Seeds: {@code PacketParserFuzzTestInputs/parse/}.
 */
class PacketParserFuzzTest {
    private final PacketParser parser = new PacketParser();

    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) {
        // A position and a bounded limit inside a larger buffer: views must respect both.
        ByteBuffer buf = ByteBuffer.allocate(input.length + 8);
        buf.position(3);
        buf.put(input);
        buf.flip().position(3);
        ParseResult r = parser.parse(buf);
        assertThat(buf.position()).isEqualTo(3);
        // Java 17: no pattern matching for switch, so an instanceof chain.
        if (r instanceof ParseResult.TcpSegment t) {
            touch(t);
        } else if (r instanceof ParseResult.UdpDatagram u) {
            touchIp(u.ip());
            assertThat(u.udp().payload().remaining()).isEqualTo(u.udp().payloadLength());
            u.udp().sourcePort();
            u.udp().destinationPort();
        } else if (r instanceof ParseResult.IcmpMessage m) {
            touchIp(m.ip());
            m.icmp().isEchoRequest();
            m.icmp().isError();
            m.icmp().isAdministrativelyProhibited();
            assertThat(m.icmp().bodyLength()).isGreaterThanOrEqualTo(0);
            answer(m.ip());
        } else {
            assertThat(((ParseResult.Dropped) r).reason()).isNotNull();
        }
    }

    private static void touch(ParseResult.TcpSegment t) {
        touchIp(t.ip());
        var tcp = t.tcp();
        assertThat(tcp.payloadLength()).isGreaterThanOrEqualTo(0);
        assertThat(tcp.payloadOffset() + tcp.payloadLength()).isLessThanOrEqualTo(t.ip().buffer().limit());
        tcp.options();
        tcp.timestampsIndex();
        tcp.sequenceLength();
        ByteBuffer out = ByteBuffer.allocate(100);
        TcpSegmentBuilder.writeResetFor(out, t);
        answer(t.ip());
    }

    private static void touchIp(IpHeader ip) {
        assertThat(ip.payloadOffset() + ip.payloadLength()).isLessThanOrEqualTo(ip.buffer().limit());
        ip.source();
        ip.destination();
        ip.hopLimit();
    }

    private static void answer(IpHeader ip) {
        byte[] source = new byte[ip.version() == 4 ? 4 : 16];
        IcmpErrorWriter.administrativelyProhibited(ByteBuffer.allocate(1500), source, ip);
    }
}
