package dev.pinhole.netstack.tcp;

import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.time.FakeTicker;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.PriorityQueue;

/**
 * Two endpoints over an in-memory link whose every packet's fate (lost, duplicated, delayed) is decided by a
 * {@link Fate}: a test-only active opener plays the client, and a passive endpoint is accepted from its SYN as
 * the NAT layer would. Drives both applications (write all, read in slices, half-close when done) and time
 * (jumps to the next arrival or timer) until both endpoints are closed or a simulated-time limit passes.
 */
final class LoopbackLink {
    /** Decides what happens to each packet put on the link. */
    interface Fate {
        boolean lose();

        boolean duplicate();

        long delayNanos();
    }

    /** What each side received and how each side ended. */
    record Outcome(byte[] receivedByServer, byte[] receivedByClient, boolean serverSawEof, boolean clientSawEof,
                   CloseReason clientClose, CloseReason serverClose, long simulatedNanos) {
    }

    private record InFlight(long deliverAt, long order, boolean toServer, byte[] packet)
            implements Comparable<InFlight> {
        @Override
        public int compareTo(InFlight o) {
            int c = Long.compare(deliverAt, o.deliverAt);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    private static final boolean TRACE = Boolean.getBoolean("loopback.trace");
    private final FakeTicker ticker = new FakeTicker();
    private final PacketParser parser = new PacketParser();
    private final PriorityQueue<InFlight> link = new PriorityQueue<>();
    private final TcpConfig config;
    private final Fate fate;
    private final boolean ipv6;
    private long sequence;
    private TcpEndpoint client;
    private TcpEndpoint server;

    LoopbackLink(TcpConfig config, Fate fate, boolean ipv6) {
        this.config = config;
        this.fate = fate;
        this.ipv6 = ipv6;
    }

    private SegmentSink sinkTowards(boolean toServer) {
        return lent -> {
            if (fate.lose()) {
                return;
            }
            byte[] copy = new byte[lent.length()];
            lent.buffer().duplicate().get(copy);
            int copies = fate.duplicate() ? 2 : 1;
            for (int i = 0; i < copies; i++) {
                link.add(new InFlight(ticker.nanoTime() + fate.delayNanos(), sequence++, toServer, copy));
            }
        };
    }

    private void deliver(InFlight p) {
        ParseResult r = parser.parse(ByteBuffer.wrap(p.packet()));
        if (!(r instanceof ParseResult.TcpSegment seg)) {
            throw new AssertionError("an endpoint emitted a packet that does not parse: " + r);
        }
        if (TRACE) {
            System.out.println((ticker.nanoTime() / 1_000_000) + " " + (p.toServer() ? "C>S " : "S>C ")
                    + ScriptedClient.describe(seg) + " | " + client + " | " + server);
        }
        TcpEndpoint target = p.toServer() ? server : client;
        if (target != null && target.state() == TcpState.CLOSED) {
            // As the NAT layer does for a forgotten flow: answer with RST (never a RST for a RST).
            LentPacket out = new LentPacket(100);
            if (TcpSegmentBuilder.writeResetFor(out.fill(), seg) > 0) {
                out.lendTo(sinkTowards(!p.toServer()));
            }
            return;
        }
        if (!p.toServer()) {
            client.onSegment(seg);
        } else if (server != null) {
            server.onSegment(seg);
        } else if (seg.tcp().syn() && !seg.tcp().ack()) {
            server = TcpEndpoint.accept(config, SynRequest.from(seg), 77_000, ticker, sinkTowards(false),
                    TcpEventListener.NONE);
        }
    }

    Outcome run(byte[] upload, byte[] download, int readSlice, Duration limit) {
        InetAddress clientAddress;
        InetAddress appAddress;
        try {
            clientAddress = InetAddress.getByName(ipv6 ? "fd00::2" : "10.0.0.2");
            appAddress = InetAddress.getByName(ipv6 ? "fd00:80::5" : "100.80.0.5");
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        client = TcpEndpoint.connect(config, clientAddress, 40000, appAddress, 443, 5_000, ticker,
                sinkTowards(true), TcpEventListener.NONE);
        var byServer = new ByteArrayOutputStream();
        var byClient = new ByteArrayOutputStream();
        ByteBuffer up = ByteBuffer.wrap(upload);
        ByteBuffer down = ByteBuffer.wrap(download);
        ByteBuffer scratch = ByteBuffer.allocate(readSlice);
        boolean serverEof = false;
        boolean clientEof = false;
        long start = ticker.nanoTime();
        long deadline = start + limit.toNanos();
        int idleRounds = 0;
        while ((client.state() != TcpState.CLOSED || server == null || server.state() != TcpState.CLOSED)
                && ticker.nanoTime() - deadline < 0) {
            if (up.hasRemaining()) {
                client.write(up);
            }
            if (!up.hasRemaining()) {
                client.shutdownOutput();
            }
            if (server != null) {
                if (down.hasRemaining()) {
                    server.write(down);
                }
                if (!down.hasRemaining()) {
                    server.shutdownOutput();
                }
                serverEof |= drain(server, scratch, byServer);
            }
            clientEof |= drain(client, scratch, byClient);
            long next = client.nextTimerDeadline();
            if (server != null && server.nextTimerDeadline() != TcpEndpoint.NO_DEADLINE) {
                next = next == TcpEndpoint.NO_DEADLINE ? server.nextTimerDeadline()
                        : Math.min(next, server.nextTimerDeadline());
            }
            if (!link.isEmpty()) {
                next = next == TcpEndpoint.NO_DEADLINE ? link.peek().deliverAt()
                        : Math.min(next, link.peek().deliverAt());
            }
            if (next == TcpEndpoint.NO_DEADLINE) {
                if (server == null || client.state() == TcpState.CLOSED || server.state() == TcpState.CLOSED) {
                    // One side gave up and its RST was lost: the other may wait forever with nothing scheduled,
                    // as real TCP does without keepalive. The NAT layer's idle timeouts cover that case.
                    break;
                }
                // Nothing scheduled: only the applications can move (e.g. a reader draining a closed window).
                if (++idleRounds > 100_000) {
                    throw new AssertionError("stuck with nothing scheduled: client " + client + " server " + server);
                }
                continue;
            }
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
        for (int i = 0; i < 100_000 && server != null && !serverEof; i++) {
            serverEof = drain(server, scratch, byServer);
        }
        for (int i = 0; i < 100_000 && !clientEof; i++) {
            clientEof = drain(client, scratch, byClient);
        }
        return new Outcome(byServer.toByteArray(), byClient.toByteArray(), serverEof, clientEof,
                client.closeReason(), server == null ? null : server.closeReason(), ticker.nanoTime() - start);
    }

    /** Reads one slice; true at end of stream. */
    private static boolean drain(TcpEndpoint endpoint, ByteBuffer scratch, ByteArrayOutputStream sink) {
        scratch.clear();
        int n = endpoint.read(scratch);
        if (n > 0) {
            sink.write(scratch.array(), 0, n);
        }
        return n < 0;
    }
}
