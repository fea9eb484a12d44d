package dev.pinhole.bench;

import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.PayloadSource;
import dev.pinhole.netstack.packet.TcpFlags;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.netstack.tcp.SynRequest;
import dev.pinhole.netstack.tcp.TcpConfig;
import dev.pinhole.netstack.tcp.TcpEndpoint;
import dev.pinhole.netstack.tcp.TcpEventListener;
import dev.pinhole.time.Ticker;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-segment cost of the endpoint with a minimal client that builds and parses real packets (checksums
 * included, as a tunnel would deliver them). {@code receive}: one in-order 1380-byte data segment in, the ACK out,
 * the bytes read. {@code sendAndAck}: 1380 bytes written, the data segment out, the client's ACK in.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TcpEndpointBenchmark {
    private static final int PAYLOAD = 1380;

    private final PacketParser parser = new PacketParser();
    private final TcpSegmentBuilder client = new TcpSegmentBuilder();
    private final ByteBuffer clientOut = ByteBuffer.allocate(1500);
    private final ByteBuffer data = ByteBuffer.allocate(PAYLOAD);
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
    private TcpEndpoint endpoint;
    private int clientSeq;
    private int lastEmittedSeq;
    private int lastEmittedLength;

    @Setup
    public void setUp() throws Exception {
        byte[] clientAddr = InetAddress.getByName("10.0.0.2").getAddress();
        byte[] appAddr = InetAddress.getByName("100.80.0.5").getAddress();
        client.addresses(clientAddr, 40000, appAddr, 443);
        var syn = segment(TcpFlags.SYN, 5000, 0, 0);
        TcpConfig config = TcpConfig.builder().mtu(1420).timestamps(false).delayedAck(java.time.Duration.ZERO)
                .build();
        endpoint = TcpEndpoint.accept(config, SynRequest.from(syn), 1000, Ticker.system(), lent -> {
            // Sink: note what was sent (seq and payload length) without keeping the lent packet.
            ByteBuffer packet = lent.buffer();
            int ipLen = (packet.get(packet.position()) & 0x0F) * 4;
            int tcpAt = packet.position() + ipLen;
            lastEmittedSeq = packet.getInt(tcpAt + 4);
            lastEmittedLength = packet.limit() - tcpAt - ((packet.get(tcpAt + 12) & 0xFF) >>> 4) * 4;
        }, TcpEventListener.NONE);
        clientSeq = 5001;
        endpoint.onSegment(segment(TcpFlags.ACK, clientSeq, 1001, 0));
    }

    private ParseResult.TcpSegment segment(int flags, int seq, int ack, int payloadLength) {
        client.begin(seq, ack, flags, 65535);
        if (payloadLength > 0) {
            client.payload(PayloadSource.of(data), payloadLength);
        }
        clientOut.clear();
        client.writeTo(clientOut);
        return (ParseResult.TcpSegment) parser.parse(clientOut);
    }

    @Benchmark
    public int receive() {
        endpoint.onSegment(segment(TcpFlags.ACK | TcpFlags.PSH, clientSeq, lastEmittedSeq, PAYLOAD));
        clientSeq += PAYLOAD;
        readBuffer.clear();
        return endpoint.read(readBuffer);
    }

    @Benchmark
    public int sendAndAck() {
        data.clear();
        endpoint.write(data);
        endpoint.onSegment(segment(TcpFlags.ACK, clientSeq, lastEmittedSeq + lastEmittedLength, 0));
        return lastEmittedLength;
    }
}
