package dev.pinhole.nat;

import static dev.pinhole.netstack.packet.TcpFlags.ACK;
import static dev.pinhole.netstack.packet.TcpFlags.FIN;
import static dev.pinhole.netstack.packet.TcpFlags.PSH;
import static dev.pinhole.netstack.packet.TcpFlags.RST;
import static dev.pinhole.netstack.packet.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.testing.Adversarial;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** TCP flows against real sockets on 127.0.0.1: handshake order, refusal, relaying, back-pressure, FIN and RST. */
class TcpRelayTest {
    static final int CLIENT_PORT = 40000;
    static final int APP_PORT = 443;
    static final int ISN = 1_000;

    final NatHarness nat = new NatHarness();
    ServerSocket server;

    @AfterEach
    void close() throws Exception {
        nat.close();
        if (server != null) {
            server.close();
        }
    }

    List<InetSocketAddress> serverTarget() throws Exception {
        if (server == null) {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        }
        return List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
    }

    /** Client state of the one connection under test. */
    int sndNxt = ISN + 1;
    int rcvNxt;

    ParseResult.TcpSegment handshake(List<InetSocketAddress> targets) throws Exception {
        nat.sendTcp(CLIENT_PORT, APP_PORT, SYN, ISN, 0, 65535, new byte[0], targets);
        ParseResult.TcpSegment synAck = nat.nextTcp(10_000);
        assertThat(synAck.tcp().flags()).isEqualTo(SYN | ACK);
        assertThat(synAck.tcp().acknowledgmentNumber()).isEqualTo(ISN + 1);
        rcvNxt = synAck.tcp().sequenceNumber() + 1;
        nat.sendTcp(CLIENT_PORT, APP_PORT, ACK, sndNxt, rcvNxt, 65535, new byte[0], targets);
        return synAck;
    }

    void send(int flags, byte[] data, int window) throws Exception {
        nat.sendTcp(CLIENT_PORT, APP_PORT, flags, sndNxt, rcvNxt, window, data, List.of());
        sndNxt += data.length + ((flags & FIN) != 0 ? 1 : 0);
    }

    static byte[] pattern(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void theSynAckComesFromTheDialledAddressOnceTheRealConnectSucceeds() throws Exception {
        List<InetSocketAddress> targets = serverTarget();
        ParseResult.TcpSegment synAck = handshake(targets);

        assertThat(synAck.ip().source()).isEqualTo(InetAddress.getByAddress(NatHarness.APP));
        assertThat(synAck.tcp().sourcePort()).isEqualTo(APP_PORT);
        try (Socket accepted = server.accept()) {
            assertThat(accepted.getInetAddress().isLoopbackAddress()).isTrue();
        }
        assertThat(nat.table.tcpFlows()).isEqualTo(1);
    }

    @Test
    void aRefusedConnectIsAnsweredWithRstAckAndNoSynAck() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        nat.sendTcp(CLIENT_PORT, APP_PORT, SYN, ISN, 0, 65535, new byte[0],
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), closed)));

        ParseResult.TcpSegment rst = nat.nextTcp(10_000);
        assertThat(rst.tcp().flags()).isEqualTo(RST | ACK);
        assertThat(rst.tcp().acknowledgmentNumber()).isEqualTo(ISN + 1);
        assertThat(nat.refusals(NatDropReason.CONNECT_REFUSED)).isEqualTo(1);
        assertThat(nat.onLoop(() -> nat.table.size())).isZero();
    }

    @Adversarial
    @Test
    void aConnectThatFailsAtOnceStillNamesTheAddressTriedInItsEnd() throws Exception {
        // The broadcast address: the kernel refuses the connect in the call itself, before any SYN leaves.
        InetSocketAddress broadcast = new InetSocketAddress(InetAddress.getByName("255.255.255.255"), 443);
        nat.sendTcp(CLIENT_PORT, APP_PORT, SYN, ISN, 0, 65535, new byte[0], List.of(broadcast));

        ParseResult.TcpSegment rst = nat.nextTcp(10_000);
        assertThat(rst.tcp().flags() & RST).isEqualTo(RST);
        assertThat(nat.endedTarget.get(FlowEndReason.CONNECT_FAILED)).isEqualTo(broadcast);
    }

    @Test
    void theNextRealAddressIsTriedWhenTheFirstRefuses() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        List<InetSocketAddress> targets = List.of(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), closed), serverTarget().get(0));
        handshake(targets);
        server.accept().close();
    }

    @Test
    void aConnectThatDoesNotCompleteInTimeIsAnsweredWithRst() throws Exception {
        dev.pinhole.time.FakeTicker ticker = new dev.pinhole.time.FakeTicker();
        List<java.nio.channels.SocketChannel> fillers = new java.util.ArrayList<>();
        try (NatHarness slow = new NatHarness(ticker, FlowLimits.defaults(), NatTimeouts.defaults(),
                dev.pinhole.netstack.tcp.TcpConfig.defaults());
             ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // Never accepted and backlog 1: once the queue is full the kernel drops further SYNs, so a connect
            // to it stays pending, as one to a destination that drops SYNs would.
            InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort());
            for (int i = 0; i < 8; i++) {
                java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open();
                ch.configureBlocking(false);
                ch.connect(target);
                fillers.add(ch);
            }
            slow.sendTcp(CLIENT_PORT, APP_PORT, SYN, ISN, 0, 65535, new byte[0], List.of(target));
            assertThat(slow.next(300)).as("no SYN-ACK while the real connect is pending").isNull();

            ticker.advance(java.time.Duration.ofSeconds(11));
            ParseResult.TcpSegment rst = slow.nextTcp(5_000);

            assertThat(rst.tcp().flags()).isEqualTo(RST | ACK);
            assertThat(rst.tcp().acknowledgmentNumber()).isEqualTo(ISN + 1);
            assertThat(slow.refusals(NatDropReason.CONNECT_TIMEOUT)).isEqualTo(1);
            assertThat(slow.onLoop(() -> slow.table.size())).isZero();
        } finally {
            for (var ch : fillers) {
                ch.close();
            }
        }
    }

    @Test
    void anIdleEstablishedFlowIsResetBothWaysAfterItsTimeout() throws Exception {
        dev.pinhole.time.FakeTicker ticker = new dev.pinhole.time.FakeTicker();
        NatTimeouts timeouts = new NatTimeouts(java.time.Duration.ofSeconds(10), java.time.Duration.ofMinutes(30),
                java.time.Duration.ofMinutes(5), java.time.Duration.ofSeconds(60));
        try (NatHarness idle = new NatHarness(ticker, FlowLimits.defaults(), timeouts,
                dev.pinhole.netstack.tcp.TcpConfig.defaults());
             ServerSocket srv = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            List<InetSocketAddress> target = List.of(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), srv.getLocalPort()));
            idle.sendTcp(CLIENT_PORT, APP_PORT, SYN, ISN, 0, 65535, new byte[0], target);
            ParseResult.TcpSegment synAck = idle.nextTcp(10_000);
            idle.sendTcp(CLIENT_PORT, APP_PORT, ACK, ISN + 1, synAck.tcp().sequenceNumber() + 1, 65535, new byte[0],
                    List.of());
            try (Socket accepted = srv.accept()) {
                accepted.setSoTimeout(10_000);
                ticker.advance(java.time.Duration.ofMinutes(29));
                assertThat(idle.onLoop(() -> idle.table.expireIdle(ticker.nanoTime(), timeouts))).isZero();
                ticker.advance(java.time.Duration.ofMinutes(2));
                assertThat(idle.onLoop(() -> idle.table.expireIdle(ticker.nanoTime(), timeouts))).isEqualTo(1);

                ParseResult.TcpSegment rst;
                do {
                    rst = idle.nextTcp(5_000);
                } while (!rst.tcp().rst());
                int read;
                try {
                    read = accepted.getInputStream().read();
                } catch (SocketException reset) {
                    read = -1;
                }
                assertThat(read).isEqualTo(-1);
                assertThat(idle.ended.get(FlowEndReason.IDLE).get()).isEqualTo(1);
            }
        }
    }

    @Test
    void aSegmentForAnUnknownFlowGetsARst() throws Exception {
        nat.onLoop(() -> null);
        nat.sendTcp(CLIENT_PORT, APP_PORT, ACK, 5, 77, 65535, new byte[0], List.of());
        ParseResult.TcpSegment rst = nat.nextTcp(5_000);
        assertThat(rst.tcp().rst()).isTrue();
        assertThat(rst.tcp().sequenceNumber()).isEqualTo(77);
        assertThat(nat.refusals(NatDropReason.NO_FLOW)).isEqualTo(1);
    }

    @Test
    void aFloodOfStraySegmentsGetsAtMostTheResetBurstBack() throws Exception {
        dev.pinhole.time.FakeTicker frozen = new dev.pinhole.time.FakeTicker();
        try (NatHarness flooded = new NatHarness(frozen, FlowLimits.defaults(), NatTimeouts.defaults(),
                dev.pinhole.netstack.tcp.TcpConfig.defaults())) {
            for (int i = 0; i < 1_000; i++) {
                flooded.sendTcp(CLIENT_PORT + (i % 50), APP_PORT, ACK | PSH, i, 77, 65535, new byte[] {1},
                        List.of());
            }
            assertThat(flooded.toClient).hasSize(400);
            assertThat(flooded.refusals(NatDropReason.NO_FLOW)).isEqualTo(400);
            assertThat(flooded.refusals(NatDropReason.RESET_RATE_LIMITED)).isEqualTo(600);
        }
    }

    @Test
    void bytesCrossBothWaysAndTheServersCloseBecomesAFin() throws Exception {
        handshake(serverTarget());
        try (Socket accepted = server.accept()) {
            send(ACK | PSH, "request".getBytes(), 65535);
            byte[] got = new byte[7];
            new java.io.DataInputStream(accepted.getInputStream()).readFully(got);
            assertThat(new String(got)).isEqualTo("request");

            accepted.getOutputStream().write("response".getBytes());
            accepted.shutdownOutput();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            boolean fin = false;
            while (!fin) {
                ParseResult.TcpSegment s = nat.nextTcp(10_000);
                if (s.tcp().payloadLength() > 0 && s.tcp().sequenceNumber() == rcvNxt) {
                    byte[] d = new byte[s.tcp().payloadLength()];
                    s.tcp().buffer().get(s.tcp().payloadOffset(), d);
                    received.writeBytes(d);
                    rcvNxt += d.length;
                }
                if (s.tcp().fin()) {
                    fin = true;
                    rcvNxt++;
                }
            }
            assertThat(received.toString()).isEqualTo("response");

            send(FIN | ACK, new byte[0], 65535);
            assertThat(accepted.getInputStream().read()).as("client FIN reaches the server as EOF").isEqualTo(-1);
        }
    }

    @Test
    void aBurstOfClientSegmentsReachesTheServerInOrderAndIsAcknowledgedOnce() throws Exception {
        handshake(serverTarget());
        try (Socket accepted = server.accept()) {
            List<byte[]> burst = List.of(pattern(1300, 1), pattern(1300, 2), pattern(1300, 3), pattern(1300, 4));
            nat.sendTcpBurst(CLIENT_PORT, APP_PORT, sndNxt, rcvNxt, 65535, burst);
            sndNxt += 4 * 1300;
            ParseResult.TcpSegment ack = nat.nextTcp(10_000);
            assertThat(ack.tcp().flags()).isEqualTo(ACK);
            assertThat(ack.tcp().acknowledgmentNumber()).isEqualTo(sndNxt);
            assertThat(nat.next(300)).as("one ACK for the whole burst").isNull();
            byte[] got = new byte[4 * 1300];
            new java.io.DataInputStream(accepted.getInputStream()).readFully(got);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            burst.forEach(expected::writeBytes);
            assertThat(got).isEqualTo(expected.toByteArray());
        }
    }

    @Test
    void aSlowClientStopsSocketReadsAndTheTransferResumesIntact() throws Exception {
        handshake(serverTarget());
        byte[] data = pattern(2 * 1024 * 1024, 42);
        try (Socket accepted = server.accept()) {
            Thread writer = new Thread(() -> {
                try (OutputStream out = accepted.getOutputStream()) {
                    out.write(data);
                } catch (Exception e) {
                    // the test fails on the content check
                }
            });
            writer.start();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            int window = 65535;
            // First, no ACKs: whatever arrives must fit the client's window.
            int unacked = 0;
            ParseResult r;
            while ((r = nat.next(500)) != null) {
                unacked += ((ParseResult.TcpSegment) r).tcp().payloadLength();
                collect((ParseResult.TcpSegment) r, received);
            }
            assertThat(unacked).isPositive().isLessThanOrEqualTo(window);
            send(ACK, new byte[0], window);
            while (received.size() < data.length) {
                ParseResult.TcpSegment s = nat.nextTcp(10_000);
                if (collect(s, received)) {
                    send(ACK, new byte[0], window);
                }
            }
            writer.join(10_000);
            assertThat(Arrays.equals(received.toByteArray(), data)).as("2 MiB arrived intact and in order").isTrue();
        }
    }

    private boolean collect(ParseResult.TcpSegment s, ByteArrayOutputStream received) {
        if (s.tcp().payloadLength() > 0 && s.tcp().sequenceNumber() == rcvNxt) {
            byte[] d = new byte[s.tcp().payloadLength()];
            s.tcp().buffer().get(s.tcp().payloadOffset(), d);
            received.writeBytes(d);
            rcvNxt += d.length;
            return true;
        }
        return false;
    }

    @Test
    void aSlowDestinationClosesTheClientsWindowAndNothingIsLost() throws Exception {
        server = new ServerSocket();
        server.setReceiveBufferSize(4096);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
        handshake(serverTarget());
        try (Socket accepted = server.accept()) {
            int sent = 0;
            int window = 65535;
            long seed = 7;
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            int chunk = 1000;
            int rounds = 0;
            // Push as the advertised window allows until the connector closes it (bounded at 64 MiB).
            while (window > 0 && sent < 64 * 1024 * 1024) {
                int n = Math.min(chunk, window);
                byte[] d = pattern(n, seed++);
                all.writeBytes(d);
                send(ACK | PSH, d, 65535);
                sent += n;
                window -= n;
                if (window < chunk || ++rounds % 16 == 0) {
                    ParseResult.TcpSegment ack = lastAck(2_000);
                    int inFlight = sndNxt - ack.tcp().acknowledgmentNumber();
                    window = (ack.tcp().window() << 0) - inFlight;
                }
            }
            assertThat(window).as("the connector advertised a zero window").isLessThanOrEqualTo(0);

            byte[] expected = all.toByteArray();
            byte[] got = new byte[expected.length];
            InputStream in = accepted.getInputStream();
            int off = 0;
            while (off < got.length) {
                int n = in.read(got, off, got.length - off);
                assertThat(n).isPositive();
                off += n;
            }
            assertThat(Arrays.equals(got, expected)).isTrue();
        }
    }

    @Test
    void clientBytesStillQueuedWhenBothSidesCloseAreDeliveredBeforeTheSocketCloses() throws Exception {
        server = new ServerSocket();
        server.setReceiveBufferSize(4096);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
        handshake(serverTarget());
        try (Socket accepted = server.accept()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            int window = 65535;
            long seed = 99;
            // Fill what the connector accepts while the destination does not read, then FIN.
            while (window > 0) {
                byte[] d = pattern(Math.min(1000, window), seed++);
                all.writeBytes(d);
                send(ACK | PSH, d, 65535);
                window -= d.length;
                if (window < 1000) {
                    ParseResult.TcpSegment ack = lastAck(2_000);
                    window = ack.tcp().window() - (sndNxt - ack.tcp().acknowledgmentNumber());
                }
            }
            send(FIN | ACK, new byte[0], 65535);
            // The destination closes its side without reading: the connector FINs, the client ACKs it, and the
            // tunnel side is CLOSED while bytes still wait for the socket.
            accepted.shutdownOutput();
            ParseResult.TcpSegment fin;
            do {
                fin = nat.nextTcp(10_000);
            } while (!fin.tcp().fin());
            rcvNxt = fin.tcp().sequenceNumber() + 1;
            send(ACK, new byte[0], 65535);
            assertThat(nat.onLoop(() -> nat.table.size())).as("the flow waits for the destination").isEqualTo(1);

            byte[] got = accepted.getInputStream().readAllBytes();
            assertThat(Arrays.equals(got, all.toByteArray())).as("every byte, then EOF").isTrue();
        }
    }

    /** Drains the queue and returns the newest ACK (waits for at least one). */
    private ParseResult.TcpSegment lastAck(long millis) throws Exception {
        ParseResult.TcpSegment last = nat.nextTcp(millis);
        ParseResult r;
        while ((r = nat.next(50)) != null) {
            last = (ParseResult.TcpSegment) r;
        }
        return last;
    }

    @Test
    void aClientRstResetsTheRealSocket() throws Exception {
        handshake(serverTarget());
        try (Socket accepted = server.accept()) {
            accepted.setSoTimeout(10_000);
            send(RST, new byte[0], 0);
            int read;
            try {
                read = accepted.getInputStream().read();
            } catch (SocketException reset) {
                read = -1;
            }
            assertThat(read).isEqualTo(-1);
            assertThat(nat.onLoop(() -> nat.table.size())).isZero();
        }
    }

    @Test
    void aDestinationResetReachesTheClientAsRst() throws Exception {
        handshake(serverTarget());
        Socket accepted = server.accept();
        accepted.setSoLinger(true, 0);
        accepted.close();
        ParseResult.TcpSegment s;
        do {
            s = nat.nextTcp(10_000);
        } while (!s.tcp().rst());
        assertThat(nat.onLoop(() -> nat.table.size())).isZero();
        assertThat(nat.ended.get(FlowEndReason.RESET)).isNotNull();
    }
}
