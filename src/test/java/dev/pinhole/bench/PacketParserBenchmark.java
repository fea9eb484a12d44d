package dev.pinhole.bench;

import dev.pinhole.netstack.packet.InternetChecksum;
import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.PayloadSource;
import dev.pinhole.netstack.packet.TcpFlags;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of classifying one full-size TCP packet from the tunnel (header checks plus the TCP checksum over the
 * payload), of the checksum alone, and of building one data segment. Run by hand; see docs/netstack.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PacketParserBenchmark {
    @Param({"1380"})
    int payloadBytes;

    private final PacketParser parser = new PacketParser();
    private final TcpSegmentBuilder builder = new TcpSegmentBuilder();
    private ByteBuffer packet;
    private ByteBuffer out;
    private ByteBuffer payload;

    @Setup
    public void setUp() throws Exception {
        payload = ByteBuffer.allocate(payloadBytes);
        for (int i = 0; i < payloadBytes; i++) {
            payload.put(i, (byte) i);
        }
        builder.addresses(InetAddress.getByName("10.0.0.2").getAddress(), 40000,
                InetAddress.getByName("100.80.0.5").getAddress(), 443);
        packet = ByteBuffer.allocate(1500);
        out = ByteBuffer.allocate(1500);
        builder.begin(1, 2, TcpFlags.ACK, 1000).timestamps(1, 2)
                .payload(PayloadSource.of(payload), payloadBytes).writeTo(packet);
    }

    @Benchmark
    public ParseResult parseTcpPacket() {
        return parser.parse(packet);
    }

    @Benchmark
    public int checksumOnly() {
        return InternetChecksum.compute(packet, 0, packet.limit());
    }

    @Benchmark
    public int buildDataSegment() {
        out.clear();
        return builder.begin(1, 2, TcpFlags.ACK, 1000).timestamps(1, 2)
                .payload(PayloadSource.of(payload), payloadBytes).writeTo(out);
    }
}
