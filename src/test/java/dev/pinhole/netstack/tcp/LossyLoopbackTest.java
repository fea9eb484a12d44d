package dev.pinhole.netstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.time.FakeTicker;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two endpoints talk through an in-memory link that loses, duplicates, delays and reorders packets: a test-only
 * active opener plays the client, and a passive endpoint is accepted from its SYN as the NAT layer would. Both
 * byte streams must arrive intact and both sides must close cleanly. Deterministic: fixed seeds, fake time.
 */
class LossyLoopbackTest {
    private static final int CLIENT_PORT = 40000;
    private static final int APP_PORT = 443;

    private final FakeTicker ticker = new FakeTicker();
    private final PacketParser parser = new PacketParser();
    private final PriorityQueue<InFlight> link = new PriorityQueue<>();
    private Random random;
    private double loss;
    private double duplication;
    private long sequence;
    private TcpEndpoint client;
    private TcpEndpoint server;
    private TcpConfig config;

    private record InFlight(long deliverAt, long order, boolean toServer, byte[] packet)
            implements Comparable<InFlight> {
        @Override
        public int compareTo(InFlight o) {
            int c = Long.compare(deliverAt, o.deliverAt);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    private SegmentSink sinkTowards(boolean toServer) {
        return packet -> {
            if (random.nextDouble() < loss) {
                return;
            }
            byte[] copy = new byte[packet.remaining()];
            packet.duplicate().get(copy);
            int copies = random.nextDouble() < duplication ? 2 : 1;
            for (int i = 0; i < copies; i++) {
                // 10 ms base delay plus up to 15 ms jitter: enough to reorder back-to-back segments.
                long delay = Duration.ofMillis(10).toNanos() + (long) (random.nextDouble() * 15_000_000L);
                link.add(new InFlight(ticker.nanoTime() + delay, sequence++, toServer, copy));
            }
        };
    }

    private void deliver(InFlight p) {
        ParseResult r = parser.parse(ByteBuffer.wrap(p.packet()));
        assertThat(r).isInstanceOf(ParseResult.TcpSegment.class);
        var seg = (ParseResult.TcpSegment) r;
        if (p.toServer()) {
            if (server == null) {
                if (!seg.tcp().syn() || seg.tcp().ack()) {
                    return;
                }
                server = TcpEndpoint.accept(config, SynRequest.from(seg), 77_000, ticker, sinkTowards(false),
                        TcpEventListener.NONE);
                return;
            }
            server.onSegment(seg);
        } else {
            client.onSegment(seg);
        }
    }

    @ParameterizedTest(name = "seed {0}, loss {1}, duplication {2}, window scaling {3}, timestamps {4}, "
            + "read slice {5}, IPv6 {6}, receive buffer {7}")
    @CsvSource({
        "1, 0.0, 0.0, true, true, 7000, false, 49152",
        "2, 0.05, 0.02, true, true, 7000, false, 49152",
        "3, 0.10, 0.05, false, false, 7000, true, 49152",
        "4, 0.02, 0.10, true, false, 7000, false, 49152",
        "5, 0.15, 0.0, false, true, 7000, true, 49152",
        "6, 0.20, 0.10, true, true, 7000, false, 200000",
        "7, 0.01, 0.0, true, true, 300, false, 4096",
        "8, 0.05, 0.05, false, false, 900, true, 6000"})
    void bothStreamsArriveIntactAndBothSidesClose(long seed, double loss, double duplication,
            boolean windowScaling, boolean timestamps, int readSlice, boolean ipv6, int receiveBuffer)
            throws Exception {
        this.random = new Random(seed);
        this.loss = loss;
        this.duplication = duplication;
        this.config = TcpConfig.builder().mtu(1420).sendBufferBytes(32 * 1024).receiveBufferBytes(receiveBuffer)
                .windowScaling(windowScaling).timestamps(timestamps).maxRetransmissions(15)
                .maxSynAckRetransmissions(8).timeWait(Duration.ofSeconds(5)).build();
        byte[] upload = new byte[200_000];
        byte[] download = new byte[300_000];
        random.nextBytes(upload);
        random.nextBytes(download);
        var received = new ByteArrayOutputStream();
        var receivedByClient = new ByteArrayOutputStream();
        client = TcpEndpoint.connect(config, InetAddress.getByName(ipv6 ? "fd00::2" : "10.0.0.2"), CLIENT_PORT,
                InetAddress.getByName(ipv6 ? "fd00:80::5" : "100.80.0.5"), APP_PORT, 5_000, ticker, sinkTowards(true),
                TcpEventListener.NONE);
        ByteBuffer up = ByteBuffer.wrap(upload);
        ByteBuffer down = ByteBuffer.wrap(download);
        ByteBuffer scratch = ByteBuffer.allocate(readSlice);
        boolean serverEof = false;
        boolean clientEof = false;
        long deadline = ticker.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (client.state() != TcpState.CLOSED || server == null || server.state() != TcpState.CLOSED) {
            assertThat(ticker.nanoTime()).as("simulated time limit; client %s server %s", client, server)
                    .isLessThan(deadline);
            // Applications: write what fits, read in modest slices (a reader slower than the link at times).
            if (up.hasRemaining() && client.write(up) >= 0 && !up.hasRemaining()) {
                client.shutdownOutput();
            }
            if (server != null) {
                if (down.hasRemaining() && server.write(down) >= 0 && !down.hasRemaining()) {
                    server.shutdownOutput();
                }
                serverEof |= drain(server, scratch, received);
            }
            clientEof |= drain(client, scratch, receivedByClient);
            // Advance to the next event: a packet arrival or a timer.
            long next = Math.min(client.nextTimerDeadline(), server == null ? Long.MAX_VALUE
                    : server.nextTimerDeadline());
            if (!link.isEmpty()) {
                next = Math.min(next, link.peek().deliverAt());
            }
            assertThat(next).as("nothing left to happen; client %s server %s", client, server)
                    .isNotEqualTo(Long.MAX_VALUE);
            if (next > ticker.nanoTime()) {
                ticker.advance(Duration.ofNanos(next - ticker.nanoTime()));
            }
            while (!link.isEmpty() && link.peek().deliverAt() <= ticker.nanoTime()) {
                deliver(link.poll());
            }
            client.onTimer();
            if (server != null) {
                server.onTimer();
            }
        }
        // A normal close leaves unread bytes readable: drain them to end of stream.
        for (int i = 0; i < 10_000 && !serverEof; i++) {
            serverEof = drain(server, scratch, received);
        }
        for (int i = 0; i < 10_000 && !clientEof; i++) {
            clientEof = drain(client, scratch, receivedByClient);
        }
        assertThat(client.closeReason()).as("client close, at %s", ticker.nanoTime()).isEqualTo(CloseReason.NORMAL);
        assertThat(server.closeReason()).as("server close").isEqualTo(CloseReason.NORMAL);
        assertThat(serverEof).isTrue();
        assertThat(clientEof).isTrue();
        assertSameStream("upload", received.toByteArray(), upload);
        assertSameStream("download", receivedByClient.toByteArray(), download);
    }

    private static void assertSameStream(String what, byte[] actual, byte[] expected) {
        int n = Math.min(actual.length, expected.length);
        for (int i = 0; i < n; i++) {
            if (actual[i] != expected[i]) {
                throw new AssertionError(what + ": first difference at byte " + i + " of " + expected.length);
            }
        }
        assertThat(actual.length).as(what + " length").isEqualTo(expected.length);
    }

    /** Reads one slice; true at end of stream. */
    private boolean drain(TcpEndpoint endpoint, ByteBuffer scratch, ByteArrayOutputStream sink) {
        scratch.clear();
        int n = endpoint.read(scratch);
        if (n > 0) {
            sink.write(scratch.array(), 0, n);
        }
        return n < 0;
    }
}
