package dev.pinhole.wireguard.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.BatchedUdp;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The batched port ({@code recvmmsg}/{@code sendmmsg} through the foreign function API) on real loopback sockets:
 * what a hostile or careless sender does to it, and that batches really are batches.
 */
@BatchedUdp
class BatchedDatagramPortTest {
    private static final int SLOT = UdpDeviceDriver.slotBytes(1420);

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private DatagramPort port(InetSocketAddress bind) throws IOException {
        DatagramPort p = DatagramPortOpener.open(bind, SLOT, UdpIo.RECVMMSG_SENDMMSG).port();
        open.add(p);
        assertThat(p.kind()).isEqualTo(UdpIo.RECVMMSG_SENDMMSG);
        return p;
    }

    private DatagramChannel client(InetSocketAddress bind) throws IOException {
        DatagramChannel c = bind.getAddress() instanceof Inet6Address
                ? DatagramChannel.open(StandardProtocolFamily.INET6) : DatagramChannel.open(StandardProtocolFamily.INET);
        // Room for a whole batch: the default (~200 KiB) holds about 100 datagrams of 1,200 bytes.
        c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20);
        c.bind(bind);
        open.add(c);
        return c;
    }

    private static ByteBuffer numbered(int seq, int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(0, seq);
        return b;
    }

    private record Got(int seq, int length, InetSocketAddress from) {}

    /** Receives until {@code count} datagrams arrived or 5 s passed; records the size of every non-empty read. */
    private static List<Got> receive(DatagramPort p, int count, List<Integer> readSizes) throws IOException {
        List<Got> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (got.size() < count && System.nanoTime() < deadline) {
            p.awaitReadable(50);
            int n = p.receive((d, from) -> got.add(new Got(d.remaining() >= 4 ? d.getInt(d.position()) : -1,
                    d.remaining(), from)), 64);
            if (n > 0 && readSizes != null) {
                readSizes.add(n);
            }
        }
        return got;
    }

    @Test
    void manyQueuedDatagramsArriveInOrderSeveralPerSystemCall() throws Exception {
        DatagramPort p = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramChannel c = client(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        for (int i = 0; i < 200; i++) {
            c.send(numbered(i, 1000), p.localAddress());
        }
        List<Integer> reads = new ArrayList<>();
        List<Got> got = receive(p, 200, reads);

        assertThat(got).extracting(Got::seq).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 200).boxed().toList());
        assertThat(got).allSatisfy(g -> {
            assertThat(g.length()).isEqualTo(1000);
            assertThat(g.from()).isEqualTo(c.getLocalAddress());
        });
        // 200 queued datagrams in at most 64 per call: a handful of calls, not 200.
        assertThat(reads).hasSizeLessThan(20).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(64));
        assertThat(reads.stream().mapToInt(Integer::intValue).max().orElse(0)).isGreaterThan(1);
    }

    @Test
    void aDatagramLargerThanASlotIsDroppedAndCountedAndTheNextOneStillArrives() throws Exception {
        DatagramPort p = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramChannel c = client(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        c.send(numbered(1, SLOT + 1), p.localAddress());
        c.send(numbered(2, 60_000), p.localAddress());
        c.send(numbered(3, SLOT), p.localAddress());

        List<Got> got = receive(p, 1, null);

        assertThat(got).extracting(Got::seq).containsExactly(3);
        assertThat(got.get(0).length()).isEqualTo(SLOT);
        assertThat(p.truncated()).isEqualTo(2);
    }

    @Test
    void anEmptySocketReadsNothingAtOnceAndAnEmptyBatchSendsNothing() throws Exception {
        DatagramPort p = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        long start = System.nanoTime();
        assertThat(p.receive((d, from) -> { throw new AssertionError("nothing was sent"); }, 64)).isZero();
        p.awaitReadable(30);
        assertThat(p.receive((d, from) -> { throw new AssertionError("nothing was sent"); }, 64)).isZero();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
        LongAdder drops = new LongAdder();
        p.newBatch(drops).flush();
        assertThat(drops.sum()).isZero();
    }

    @Test
    void aDualStackPortReportsIpv4SourcesAsIpv4AndIpv6SourcesAsIpv6() throws Exception {
        DatagramPort p = port(new InetSocketAddress(0));
        int portNumber = p.localAddress().getPort();
        DatagramChannel v4 = client(new InetSocketAddress("127.0.0.1", 0));
        v4.send(numbered(4, 100), new InetSocketAddress("127.0.0.1", portNumber));
        List<Got> got = receive(p, 1, null);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).from().getAddress()).isInstanceOf(Inet4Address.class);
        assertThat(got.get(0).from()).isEqualTo(v4.getLocalAddress());

        DatagramChannel v6 = ipv6LoopbackClient();
        v6.send(numbered(6, 100), new InetSocketAddress("::1", portNumber));
        got = receive(p, 1, null);
        assertThat(got).hasSize(1);
        assertThat(got.get(0).from().getAddress()).isInstanceOf(Inet6Address.class);
        assertThat(got.get(0).from()).isEqualTo(v6.getLocalAddress());
    }

    @Test
    void aBatchSendsEveryDatagramInOrderToIpv4AndIpv6Destinations() throws Exception {
        DatagramPort p = port(new InetSocketAddress(0));
        DatagramChannel v4 = client(new InetSocketAddress("127.0.0.1", 0));
        v4.configureBlocking(false);
        LongAdder drops = new LongAdder();
        DatagramBatch batch = p.newBatch(drops);
        InetSocketAddress to4 = (InetSocketAddress) v4.getLocalAddress();
        for (int i = 0; i < 150; i++) {
            batch.add(numbered(i, 1200), to4);
        }
        batch.flush();
        assertThat(drops.sum()).isZero();
        assertThat(drain(v4, 150)).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 150).boxed().toList());

        DatagramChannel v6 = ipv6LoopbackClient();
        v6.configureBlocking(false);
        batch.add(numbered(600, 80), (InetSocketAddress) v6.getLocalAddress());
        batch.add(numbered(400, 80), to4);
        batch.flush();
        assertThat(drain(v6, 1)).containsExactly(600);
        assertThat(drain(v4, 1)).containsExactly(400);
    }

    @Test
    void datagramsOfMixedSizesToOneDestinationArriveWithTheirOwnSizesInOrder() throws Exception {
        // Equal sizes may go as one segmented message; a shorter one ends a run, a longer one starts another.
        DatagramPort p = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramChannel c = client(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        c.configureBlocking(false);
        InetSocketAddress to = (InetSocketAddress) c.getLocalAddress();
        int[] sizes = {1200, 1200, 1200, 700, 1200, 1200, 1300, 1300, 60, 60, 1452, 1452, 1452, 1452, 1452, 1452,
            1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452,
            1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 1452, 100, 1452};
        LongAdder drops = new LongAdder();
        DatagramBatch batch = p.newBatch(drops);
        for (int i = 0; i < sizes.length; i++) {
            batch.add(numbered(i, sizes[i]), to);
        }
        batch.flush();

        List<Arrived> got = arrivals(c, sizes.length);
        assertThat(got).extracting(Arrived::seq).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, sizes.length).boxed().toList());
        assertThat(got).extracting(Arrived::size).containsExactlyElementsOf(
                java.util.Arrays.stream(sizes).boxed().toList());
        assertThat(drops.sum()).isZero();
    }

    @Test
    void aRunSentWithSegmentationOffloadArrivesAsItsOwnDatagramsInOrderWithTheirSizesAndSource() throws Exception {
        // The kernel hands a run the sender segmented to a socket with UDP_GRO as one message: the port must cut it
        // at the segment size it reports (the last datagram of a run may be shorter) and say who sent each.
        DatagramPort receiver = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramPort sender = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int[] sizes = new int[200];
        java.util.Arrays.fill(sizes, 1200);
        sizes[70] = 700;
        sizes[71] = 1300;
        sizes[199] = 1;
        LongAdder drops = new LongAdder();
        DatagramBatch batch = sender.newBatch(drops);
        for (int i = 0; i < sizes.length; i++) {
            batch.add(numbered(i, Math.max(sizes[i], 4)).limit(sizes[i]), receiver.localAddress());
        }
        batch.flush();

        List<Integer> reads = new ArrayList<>();
        List<Got> got = receive(receiver, sizes.length, reads);

        assertThat(drops.sum()).isZero();
        assertThat(got).hasSize(sizes.length);
        for (int i = 0; i < sizes.length; i++) {
            assertThat(got.get(i).length()).as("size of datagram %d", i).isEqualTo(sizes[i]);
            if (sizes[i] >= 4) {
                assertThat(got.get(i).seq()).as("datagram %d in order", i).isEqualTo(i);
            }
            assertThat(got.get(i).from()).isEqualTo(sender.localAddress());
        }
        assertThat(receiver.truncated()).isZero();
        // A call holds at most 64 messages: more datagrams than that in one call means runs arrived coalesced.
        assertThat(reads.stream().mapToInt(Integer::intValue).max().orElse(0))
                .as("datagrams per receive call %s", reads).isGreaterThan(64);
    }

    @Test
    void aCoalescedRunOfDatagramsLargerThanASlotIsDroppedWholeCountedPerDatagramAndTheNextOneArrives()
            throws Exception {
        DatagramPort receiver = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramPort sender = DatagramPortOpener.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096,
                UdpIo.RECVMMSG_SENDMMSG).port();
        open.add(sender);
        LongAdder drops = new LongAdder();
        DatagramBatch batch = sender.newBatch(drops);
        for (int i = 0; i < 3; i++) {
            batch.add(numbered(i, SLOT + 500), receiver.localAddress());
        }
        batch.flush();
        batch.add(numbered(9, 100), receiver.localAddress());
        batch.flush();

        List<Got> got = receive(receiver, 1, null);

        assertThat(got).extracting(Got::seq).containsExactly(9);
        assertThat(receiver.truncated()).isEqualTo(3);
    }

    @Test
    void aDatagramLargerThanABatchSlotIsSentAloneAndWhole() throws Exception {
        DatagramPort p = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramChannel c = client(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        c.configureBlocking(false);
        LongAdder drops = new LongAdder();
        DatagramBatch batch = p.newBatch(drops);
        InetSocketAddress to = (InetSocketAddress) c.getLocalAddress();
        batch.add(numbered(1, 100), to);
        batch.add(numbered(2, 9000), to);
        batch.add(numbered(3, 100), to);
        batch.flush();

        assertThat(arrivals(c, 3)).containsExactly(new Arrived(1, 100), new Arrived(2, 9000), new Arrived(3, 100));
        assertThat(drops.sum()).isZero();
    }

    @Test
    void aBatchFlushedAfterItsPortClosedCountsItsDatagramsAsDropped() throws Exception {
        DatagramPort p = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        LongAdder drops = new LongAdder();
        DatagramBatch batch = p.newBatch(drops);
        batch.add(numbered(1, 100), new InetSocketAddress("127.0.0.1", 9));
        batch.add(numbered(2, 100), new InetSocketAddress("127.0.0.1", 9));
        p.close();

        batch.flush();

        assertThat(drops.sum()).isEqualTo(2);
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    @Test
    void receivingAndSendingTenThousandDatagramsAllocatesNothingPerDatagram() throws Exception {
        DatagramPort p = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramChannel c = client(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        c.configureBlocking(false);
        InetSocketAddress to = (InetSocketAddress) c.getLocalAddress();
        long[] received = new long[1];
        DatagramPort.Receiver count = (d, from) -> received[0] += d.remaining();
        DatagramBatch batch = p.newBatch(new LongAdder());
        // The source and destination tables fill once; then count what the port's own calls allocate.
        // Warm up until the JIT compiled the calls (interpreted, the downcalls allocate ~80 KB per 4,000 datagrams).
        exchange(p, c, batch, to, count, 20_000);
        long[] moved = exchange(p, c, batch, to, count, 10_000);

        assertThat(moved[0]).as("datagrams received").isGreaterThan(9_000);
        // About 40 bytes per system call remain (the JDK's downcall machinery, measured 9.6-24 KB per 10,000
        // datagrams each way); one object per datagram (a source address, a buffer view) would be 0.6-1.6 MB.
        assertThat(moved[1]).as("bytes the port's calls allocated for %d datagrams each way", moved[0])
                .isLessThan(64 * 1024);
    }

    @Test
    void receivingTenThousandDatagramsInCoalescedRunsAllocatesNothingPerDatagram() throws Exception {
        DatagramPort receiver = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramPort sender = port(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        DatagramBatch batch = sender.newBatch(new LongAdder());
        ByteBuffer out = ByteBuffer.allocate(1400);
        long[] bytes = new long[1];
        DatagramPort.Receiver count = (d, from) -> bytes[0] += d.remaining();
        long[] warm = coalescedRounds(receiver, batch, out, count, 20_000);
        long[] measured = coalescedRounds(receiver, batch, out, count, 10_000);

        assertThat(warm[2]).as("the most datagrams one receive call returned").isGreaterThan(64);
        assertThat(measured[0]).as("datagrams received").isGreaterThan(9_000);
        assertThat(measured[1]).as("bytes receive calls allocated for %d datagrams", measured[0])
                .isLessThan(64 * 1024);
    }

    /**
     * Sends {@code total} datagrams through {@code batch} in flushes of 128 (coalesced runs) and receives them; returns
     * how many arrived, what the receive calls allocated on this thread and the most datagrams one call returned.
     */
    private static long[] coalescedRounds(DatagramPort receiver, DatagramBatch batch, ByteBuffer out,
            DatagramPort.Receiver count, int total) throws Exception {
        InetSocketAddress to = receiver.localAddress();
        long got = 0;
        long allocated = 0;
        long most = 0;
        for (int sent = 0; sent < total; sent += 128) {
            for (int i = 0; i < 128; i++) {
                out.clear();
                batch.add(out, to);
            }
            batch.flush();
            long before = THREADS.getCurrentThreadAllocatedBytes();
            int n;
            do {
                n = receiver.receive(count, 64);
                got += n;
                most = Math.max(most, n);
            } while (n > 0);
            allocated += THREADS.getCurrentThreadAllocatedBytes() - before;
        }
        return new long[] {got, allocated, most};
    }

    /**
     * Sends {@code total} datagrams each way in rounds of 50; returns how many the port received and how many bytes
     * its own calls (batch add and flush, receive) allocated on this thread.
     */
    private static long[] exchange(DatagramPort p, DatagramChannel c, DatagramBatch batch, InetSocketAddress to,
            DatagramPort.Receiver count, int total) throws Exception {
        ByteBuffer out = ByteBuffer.allocate(1400);
        ByteBuffer in = ByteBuffer.allocate(2048);
        InetSocketAddress portAddress = p.localAddress();
        long got = 0;
        long allocated = 0;
        for (int sent = 0; sent < total; sent += 50) {
            for (int i = 0; i < 50; i++) {
                out.clear();
                c.send(out, portAddress);
            }
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 50; i++) {
                out.clear();
                batch.add(out, to);
            }
            batch.flush();
            int n;
            do {
                n = p.receive(count, 64);
                got += n;
            } while (n > 0);
            allocated += THREADS.getCurrentThreadAllocatedBytes() - before;
            while (true) {
                in.clear();
                if (c.receive(in) == null) {
                    break;
                }
            }
        }
        return new long[] {got, allocated};
    }

    /** A datagram a client channel received: its sequence number and size. */
    private record Arrived(int seq, int size) {}

    /** What {@code c} receives until {@code count} datagrams arrived or 5 s passed. */
    private static List<Arrived> arrivals(DatagramChannel c, int count) throws Exception {
        ByteBuffer in = ByteBuffer.allocate(65536);
        List<Arrived> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (got.size() < count && System.nanoTime() < deadline) {
            in.clear();
            if (c.receive(in) != null) {
                got.add(new Arrived(in.getInt(0), in.position()));
            } else {
                Thread.sleep(5);
            }
        }
        return got;
    }

    private static List<Integer> drain(DatagramChannel c, int count) throws Exception {
        return arrivals(c, count).stream().map(Arrived::seq).toList();
    }

    /**
     * A client on ::1; without an IPv6 loopback the test is skipped with the reason, except where the batched path
     * must be proven ({@code PINHOLE_REQUIRE_BATCHED_UDP=1}, the JDK 25 pass of .ci/run), where it fails.
     */
    private DatagramChannel ipv6LoopbackClient() throws IOException {
        try {
            return client(new InetSocketAddress("::1", 0));
        } catch (IOException noIpv6) {
            String why = "no IPv6 loopback here: " + noIpv6;
            if ("1".equals(System.getenv("PINHOLE_REQUIRE_BATCHED_UDP"))) {
                throw new AssertionError(why + " (PINHOLE_REQUIRE_BATCHED_UDP=1)", noIpv6);
            }
            Assumptions.abort(why);
            throw new AssertionError("unreachable");
        }
    }
}
