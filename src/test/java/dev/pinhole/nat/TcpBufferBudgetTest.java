package dev.pinhole.nat;

import static dev.pinhole.netstack.packet.TcpFlags.ACK;
import static dev.pinhole.netstack.packet.TcpFlags.RST;
import static dev.pinhole.netstack.packet.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.budget.Quota;
import dev.pinhole.budget.Resource;
import dev.pinhole.budget.ResourceBudget;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.tcp.TcpConfig;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.Ticker;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's buffer budget against a client that never reads: many downloads from servers that send as fast as
 * they can, and not one ACK from the client. What the connector buffers for it stays under the client's budget,
 * every path a flow ends by gives its bytes back, and a flow paused on the budget resumes when room frees up.
 */
class TcpBufferBudgetTest {
    static final int FLOWS = 24;
    static final long CLIENT_BYTES = 1024 * 1024;
    static final int FIRST_PORT = 41000;
    static final int ISN = 5_000;

    final ResourceBudget budget = new ResourceBudget(quotas(CLIENT_BYTES, 64 * CLIENT_BYTES));
    NatHarness nat = new NatHarness(Ticker.system(), FlowLimits.defaults(), NatTimeouts.defaults(),
            TcpConfig.defaults(), client -> budget.client(client).allowance(Resource.BUFFER_BYTES));
    final ServerSocket server;
    final List<Socket> accepted = new ArrayList<>();
    final List<Thread> writers = new ArrayList<>();
    final AtomicLong serverBytesWritten = new AtomicLong();
    /** Per client port: the next sequence number the client expects (its RCV.NXT). */
    final Map<Integer, Integer> rcvNxt = new HashMap<>();

    TcpBufferBudgetTest() throws Exception {
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    }

    static Map<Resource, Quota> quotas(long clientBytes, long totalBytes) {
        Map<Resource, Quota> q = new EnumMap<>(Resource.class);
        for (Resource r : Resource.values()) {
            q.put(r, new Quota(1_000, 10_000));
        }
        q.put(Resource.BUFFER_BYTES, new Quota(clientBytes, totalBytes));
        return q;
    }

    @AfterEach
    void close() throws Exception {
        nat.close();
        for (Socket s : accepted) {
            s.close();
        }
        server.close();
        for (Thread t : writers) {
            t.join(5_000);
        }
    }

    List<InetSocketAddress> target() {
        return List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
    }

    /** Opens one download per port: handshake, then the server writes until the socket is closed. */
    void openStalledDownloads(int flows) throws Exception {
        for (int i = 0; i < flows; i++) {
            int port = FIRST_PORT + i;
            nat.sendTcp(port, 443, SYN, ISN, 0, 65535, new byte[0], target());
            Socket s = server.accept();
            accepted.add(s);
            ParseResult.TcpSegment synAck = nextFor(port);
            assertThat(synAck.tcp().syn()).isTrue();
            rcvNxt.put(port, synAck.tcp().sequenceNumber() + 1);
            nat.sendTcp(port, 443, ACK, ISN + 1, rcvNxt.get(port), 65535, new byte[0], List.of());
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                try (OutputStream out = s.getOutputStream()) {
                    while (true) {
                        out.write(chunk);
                        serverBytesWritten.addAndGet(chunk.length);
                    }
                } catch (Exception e) {
                    // the test closed the socket
                }
            });
            writer.setDaemon(true);
            writer.start();
            writers.add(writer);
        }
    }

    ParseResult.TcpSegment nextFor(int port) throws Exception {
        for (int i = 0; i < 10_000; i++) {
            ParseResult.TcpSegment s = nat.nextTcp(10_000);
            if (s.tcp().destinationPort() == port) {
                return s;
            }
        }
        throw new AssertionError("no segment for port " + port);
    }

    long bufferedForClient() throws Exception {
        return nat.onLoop(() -> {
            long sum = 0;
            for (Flow f : nat.table.flows()) {
                if (f instanceof TcpFlow t && t.bufferMemoryBytes() > 0) {
                    // the endpoint's one MTU-sized output buffer is per flow, bounded by the flow limit
                    sum += t.bufferMemoryBytes() - TcpConfig.defaults().mtu();
                }
            }
            return sum;
        });
    }

    /** Waits until the servers stop making progress: every flow is as full as the connector lets it be. */
    void waitUntilStalled() throws Exception {
        long last = -1;
        for (int i = 0; i < 100; i++) {
            Thread.sleep(100);
            long now = serverBytesWritten.get();
            if (now == last) {
                return;
            }
            last = now;
        }
    }

    @Test
    @Adversarial
    void downloadsTheClientNeverReadsHoldNoMoreThanItsBufferBudget() throws Exception {
        openStalledDownloads(FLOWS);
        waitUntilStalled();

        long held = bufferedForClient();
        System.out.printf("%d stalled downloads: %d bytes buffered for the client (budget %d, unbudgeted %d)%n",
                FLOWS, held, CLIENT_BYTES, FLOWS * (long) TcpConfig.defaults().sendBufferBytes());
        assertThat(held).as("bytes the connector buffers for one client").isLessThanOrEqualTo(CLIENT_BYTES);
        assertThat(budget.client(NatHarness.CLIENT_NAME).used(Resource.BUFFER_BYTES))
                .as("what the budget counts is what the buffers hold").isEqualTo(held);
        assertThat(nat.refusals(NatDropReason.BUFFER_BUDGET)).as("pauses counted").isPositive();
    }

    @Test
    void everyWayAFlowEndsGivesItsBytesBack() throws Exception {
        openStalledDownloads(9);
        waitUntilStalled();
        assertThat(budget.used(Resource.BUFFER_BYTES)).isPositive();

        // three end by the client's RST, three by the table's cut (client removed), three by the idle sweep
        for (int i = 0; i < 3; i++) {
            int port = FIRST_PORT + i;
            nat.sendTcp(port, 443, RST, ISN + 1, 0, 0, new byte[0], List.of());
        }
        nat.onLoop(() -> {
            int n = 0;
            for (Flow f : nat.table.flows()) {
                int port = f.key().clientPort();
                if (port >= FIRST_PORT + 3 && port < FIRST_PORT + 6) {
                    f.end(FlowEndReason.CUT);
                    n++;
                }
            }
            return n;
        });
        nat.onLoop(() -> nat.table.expireIdle(Long.MAX_VALUE / 2, NatTimeouts.defaults()));

        assertThat(nat.onLoop(() -> nat.table.size())).isZero();
        assertThat(budget.used(Resource.BUFFER_BYTES)).as("bytes still charged after every flow ended").isZero();
    }

    @Test
    void aFlowPausedOnTheBudgetResumesWhenAnotherFlowGivesItsBytesBack() throws Exception {
        openStalledDownloads(FLOWS);
        waitUntilStalled();
        long stalledAt = serverBytesWritten.get();

        // The client resets all flows but the last one, then reads the last one to the end of what it is sent.
        for (int i = 0; i < FLOWS - 1; i++) {
            nat.sendTcp(FIRST_PORT + i, 443, RST, ISN + 1, 0, 0, new byte[0], List.of());
        }
        int last = FIRST_PORT + FLOWS - 1;
        nat.toClient.clear();
        long received = 0;
        nat.sendTcp(last, 443, ACK, ISN + 1, rcvNxt.get(last), 65535, new byte[0], List.of());
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (received < 4 * CLIENT_BYTES && System.nanoTime() < until) {
            ParseResult r = nat.next(1_000);
            if (r instanceof ParseResult.TcpSegment s && s.tcp().destinationPort() == last
                    && s.tcp().payloadLength() > 0 && s.tcp().sequenceNumber() == rcvNxt.get(last)) {
                rcvNxt.put(last, rcvNxt.get(last) + s.tcp().payloadLength());
                received += s.tcp().payloadLength();
                nat.sendTcp(last, 443, ACK, ISN + 1, rcvNxt.get(last), 65535, new byte[0], List.of());
            } else if (r == null) {
                nat.sendTcp(last, 443, ACK, ISN + 1, rcvNxt.get(last), 65535, new byte[0], List.of());
            }
        }
        assertThat(received).as("bytes the surviving flow delivered after the others gave theirs back")
                .isGreaterThanOrEqualTo(4 * CLIENT_BYTES);
        assertThat(serverBytesWritten.get()).isGreaterThan(stalledAt);
        assertThat(budget.client(NatHarness.CLIENT_NAME).used(Resource.BUFFER_BYTES))
                .isLessThanOrEqualTo(CLIENT_BYTES);
    }
}
