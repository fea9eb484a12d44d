package dev.pinhole.nat;

import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.PayloadSource;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.netstack.packet.UdpDatagramWriter;
import dev.pinhole.netstack.tcp.LentPacket;
import dev.pinhole.netstack.tcp.TcpConfig;
import dev.pinhole.time.Ticker;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A relay loop with the TCP and UDP relays, fed with hand-built client packets; every packet the NAT sends
 * towards the tunnel is copied, parsed and queued for the test.
 */
final class NatHarness implements AutoCloseable {
    static final byte[] CLIENT = {100, 96, 0, 2};
    static final byte[] APP = {100, 80, 0, 5};
    static final String CLIENT_NAME = "laptop-1";

    final RelayLoop loop;
    final FlowTable table;
    final TcpRelay tcp;
    final UdpRelay udp;
    final BlockingQueue<ParseResult> toClient = new LinkedBlockingQueue<>();
    final Map<NatDropReason, AtomicInteger> refused = new ConcurrentHashMap<>();
    final Map<FlowEndReason, AtomicInteger> ended = new ConcurrentHashMap<>();
    /** The real target each end reason's last flow reported (what its record names). */
    final Map<FlowEndReason, java.net.InetSocketAddress> endedTarget = new ConcurrentHashMap<>();
    private final PacketParser parser = new PacketParser();

    NatHarness(Ticker ticker, FlowLimits limits, NatTimeouts timeouts, TcpConfig tcpConfig) {
        this(ticker, limits, timeouts, tcpConfig, BufferBudgets.UNLIMITED);
    }

    NatHarness(Ticker ticker, FlowLimits limits, NatTimeouts timeouts, TcpConfig tcpConfig, BufferBudgets budgets) {
        loop = RelayLoop.start("nat-test", ticker);
        table = new FlowTable(limits);
        NatEvents events = new NatEvents() {
            @Override
            public void refused(FlowKey key, String client, NatDropReason reason) {
                refused.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public void ended(Flow flow, FlowEndReason reason) {
                if (flow.realTarget() != null) {
                    endedTarget.put(reason, flow.realTarget());
                }
                ended.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
            }
        };
        tcp = new TcpRelay(loop, table, tcpConfig, timeouts, this::capture, events, budgets);
        udp = new UdpRelay(loop, table, tcpConfig.mtu(), this::capture, events);
    }

    NatHarness() {
        this(Ticker.system(), FlowLimits.defaults(), NatTimeouts.defaults(), TcpConfig.defaults());
    }

    private void capture(LentPacket packet) {
        ByteBuffer copy = packet.copy();
        ParseResult r = parser.parse(copy);
        if (r instanceof ParseResult.Dropped d) {
            throw new AssertionError("the NAT emitted a malformed packet: " + d.reason());
        }
        toClient.add(r);
    }

    /** The next packet towards the client, or null after {@code millis}. */
    ParseResult next(long millis) throws InterruptedException {
        return toClient.poll(millis, TimeUnit.MILLISECONDS);
    }

    ParseResult.TcpSegment nextTcp(long millis) throws InterruptedException {
        ParseResult r = next(millis);
        if (r == null) {
            throw new AssertionError("no TCP segment towards the client within " + millis + " ms");
        }
        return (ParseResult.TcpSegment) r;
    }

    /** A client segment to APP:appPort, handled on the loop like the connector does; targets for a new flow. */
    void sendTcp(int clientPort, int appPort, int flags, int seq, int ack, int window, byte[] data,
                 List<InetSocketAddress> targets) throws Exception {
        TcpSegmentBuilder b = new TcpSegmentBuilder().addresses(CLIENT, clientPort, APP, appPort)
                .begin(seq, ack, flags, window);
        if ((flags & dev.pinhole.netstack.packet.TcpFlags.SYN) != 0) {
            b.mss(1380);
        }
        if (data.length > 0) {
            b.payload(PayloadSource.of(ByteBuffer.wrap(data)), data.length);
        }
        ByteBuffer buf = ByteBuffer.allocate(b.packetLength());
        b.writeTo(buf);
        loop.submit(() -> {
            var seg = (ParseResult.TcpSegment) parser.parse(buf);
            FlowKey key = FlowKey.of(seg);
            if (!tcp.deliver(key, seg)) {
                tcp.open(key, CLIENT_NAME, seg, targets);
            }
            return null;
        }).get(5, TimeUnit.SECONDS);
    }

    /** Client segments of an established flow handled as one burst, as the connector drains its inbound queue. */
    void sendTcpBurst(int clientPort, int appPort, int seq, int ack, int window, List<byte[]> payloads)
            throws Exception {
        List<ByteBuffer> packets = new java.util.ArrayList<>();
        for (byte[] data : payloads) {
            TcpSegmentBuilder b = new TcpSegmentBuilder().addresses(CLIENT, clientPort, APP, appPort)
                    .begin(seq, ack, dev.pinhole.netstack.packet.TcpFlags.ACK, window)
                    .payload(PayloadSource.of(ByteBuffer.wrap(data)), data.length);
            ByteBuffer buf = ByteBuffer.allocate(b.packetLength());
            b.writeTo(buf);
            packets.add(buf);
            seq += data.length;
        }
        loop.submit(() -> {
            tcp.beginBatch();
            try {
                for (ByteBuffer buf : packets) {
                    var seg = (ParseResult.TcpSegment) parser.parse(buf);
                    if (!tcp.deliver(FlowKey.of(seg), seg)) {
                        throw new AssertionError("no flow for a burst segment");
                    }
                }
            } finally {
                tcp.endBatch();
            }
            return null;
        }).get(5, TimeUnit.SECONDS);
    }

    void sendUdp(int clientPort, int appPort, byte[] payload, List<InetSocketAddress> targets) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(payload.length + 28);
        UdpDatagramWriter.write(buf, CLIENT, clientPort, APP, appPort, ByteBuffer.wrap(payload));
        loop.submit(() -> {
            var d = (ParseResult.UdpDatagram) parser.parse(buf);
            FlowKey key = FlowKey.of(d);
            if (!udp.deliver(key, d)) {
                udp.open(key, CLIENT_NAME, d, targets);
            }
            return null;
        }).get(5, TimeUnit.SECONDS);
    }

    <T> T onLoop(java.util.concurrent.Callable<T> c) throws Exception {
        return loop.submit(c).get(5, TimeUnit.SECONDS);
    }

    int refusals(NatDropReason reason) {
        AtomicInteger n = refused.get(reason);
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() throws Exception {
        onLoop(() -> {
            table.endAll(FlowEndReason.CUT);
            return null;
        });
        loop.close();
    }
}
