package dev.pinhole.netstack.tcp;

import dev.pinhole.budget.Allowance;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.TcpHeader;
import dev.pinhole.time.Ticker;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * The tunnel side of one TCP flow, terminated in userspace as the passive opener: the client's SYN created it, it
 * answers from the app's address, and it hands the byte stream to the NAT layer through {@link #read} and
 * {@link #write}. Sans-I/O: inputs are parsed segments ({@link #onSegment}), application calls and timer ticks
 * ({@link #onTimer}); outputs are IP packets given to a {@link SegmentSink} and events to a
 * {@link TcpEventListener}. Time comes only from the injected {@link Ticker}.
 *
 * <p>Memory is bounded by {@link TcpConfig#sendBufferBytes()} and {@link TcpConfig#receiveBufferBytes()} (both
 * allocated lazily, given back when they empty) plus one MTU-sized output buffer, and every buffer byte is taken
 * from the {@link Allowance} the endpoint was given (its client's buffer budget). Back-pressure: {@link #write}
 * accepts only what fits in the buffer and the budget, and unread received data, or a budget with no room left,
 * shrinks the advertised window down to zero.
 *
 * <p>In parts, as gVisor's netstack splits its TCP endpoint: {@link TcpSender} (send sequence space, retransmission,
 * congestion and peer window, retransmission and persist timers), {@link TcpReceiver} (receive sequence space,
 * reassembly, window advertisement, delayed and held ACKs), {@link TcpConnection} (the state machine: handshake,
 * RST/SYN handling, FIN exchange, TIME_WAIT, keepalive), and {@link SegmentWriter} (segment building). This class
 * only routes segments, application calls and timer ticks to them and delivers the events they collected.
 *
 * <p>Not thread-safe: confine each endpoint to the thread that owns its flow.
 */
public final class TcpEndpoint {
    /** {@link #nextTimerDeadline()} when no timer is armed. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private final Ticker ticker;
    private final TcpEventListener listener;
    /** The client's port for a passive endpoint (the peer's port in general). */
    private final int remotePort;
    /** The app's port for a passive endpoint (our own port in general). */
    private final int localPort;
    private final PendingEvents events = new PendingEvents();
    private final TcpReceiver receiver;
    private final SegmentWriter writer;
    private final TcpSender sender;
    private final TcpConnection connection;
    private boolean dispatching;

    private TcpEndpoint(TcpConfig config, byte[] local, int localPort, byte[] remote, int remotePort, int iss,
            Ticker ticker, SegmentSink sink, TcpEventListener listener, Allowance receiveBudget,
            Allowance sendBudget) {
        this.ticker = ticker;
        this.listener = listener;
        this.localPort = localPort;
        this.remotePort = remotePort;
        int ourMss = config.mssFor(local.length == 4 ? 4 : 6);
        this.receiver = new TcpReceiver(config, ourMss, receiveBudget, events);
        this.writer = new SegmentWriter(config, local, localPort, remote, remotePort, ourMss, receiver, sink);
        this.sender = new TcpSender(config, iss, ourMss, sendBudget, writer, events);
        this.connection = new TcpConnection(config, sender, receiver, writer, events);
    }

    /**
     * Creates the endpoint for a client's SYN and sends the SYN-ACK at once.
     *
     * @param iss the initial send sequence number; use an unpredictable value (RFC 6528) outside tests
     */
    public static TcpEndpoint accept(TcpConfig config, SynRequest syn, int iss, Ticker ticker, SegmentSink sink,
            TcpEventListener listener) {
        return accept(config, syn, iss, ticker, sink, listener, Allowance.UNLIMITED);
    }

    /**
     * Creates the endpoint for a client's SYN, its buffers charged to {@code budget}, and sends the SYN-ACK at once.
     *
     * @param iss the initial send sequence number; use an unpredictable value (RFC 6528) outside tests
     */
    public static TcpEndpoint accept(TcpConfig config, SynRequest syn, int iss, Ticker ticker, SegmentSink sink,
            TcpEventListener listener, Allowance budget) {
        return accept(config, syn, iss, ticker, sink, listener, budget, budget);
    }

    /** As above, the send buffer charged to {@code sendBudget} and the receive buffer to {@code receiveBudget}. */
    public static TcpEndpoint accept(TcpConfig config, SynRequest syn, int iss, Ticker ticker, SegmentSink sink,
            TcpEventListener listener, Allowance receiveBudget, Allowance sendBudget) {
        TcpEndpoint e = new TcpEndpoint(config, syn.app().getAddress(), syn.appPort(), syn.client().getAddress(),
                syn.clientPort(), iss, ticker, sink, listener, receiveBudget, sendBudget);
        e.connection.openPassive(syn, ticker.nanoTime());
        return e;
    }

    /**
     * Test-only active open (SYN_SENT): lets two endpoints talk through an in-memory link. The connector only ever
     * opens passively.
     */
    static TcpEndpoint connect(TcpConfig config, InetAddress local, int localPort, InetAddress remote,
            int remotePort, int iss, Ticker ticker, SegmentSink sink,
            TcpEventListener listener) {
        TcpEndpoint e = new TcpEndpoint(config, local.getAddress(), localPort, remote.getAddress(), remotePort, iss,
                ticker, sink, listener, Allowance.UNLIMITED, Allowance.UNLIMITED);
        e.connection.openActive(ticker.nanoTime());
        return e;
    }

    // ---------------------------------------------------------------- application side

    public TcpState state() {
        return connection.state();
    }

    /** Why the endpoint closed, or null while it is not {@link TcpState#CLOSED}. */
    public CloseReason closeReason() {
        return connection.closeReason();
    }

    /** Bytes {@link #read} would return now. */
    public int readableBytes() {
        return receiver.readable();
    }

    /** Bytes {@link #write} would accept now (0 once output is shut down or the endpoint closed). */
    public int writableBytes() {
        return connection.outputOpen() ? sender.free() : 0;
    }

    /** True when {@link #writableBytes()} is 0 because the buffer budget, not the send buffer, is full. */
    public boolean writeBlockedByBudget() {
        return connection.outputOpen() && sender.budgetBound();
    }

    /** True once the peer's FIN was received: after the readable bytes, {@link #read} returns -1. */
    public boolean inputShutdown() {
        return receiver.inputShutdown();
    }

    /**
     * Queues bytes from {@code src} for the client, taking only what the send buffer has room for (advancing
     * {@code src}'s position); returns how many, or -1 if output is shut down or the endpoint closed. When not all
     * bytes fit or the send buffer is left full, {@link TcpEventListener#onWritable()} fires once room frees up. Data
     * written before the handshake completes is sent after it.
     */
    public int write(ByteBuffer src) {
        if (!connection.outputOpen()) {
            return -1;
        }
        int n = sender.queue(src);
        if (n > 0) {
            connection.transmit(ticker.nanoTime());
        }
        dispatch();
        return n;
    }

    /**
     * Moves received in-order bytes into {@code dst}; returns how many, 0 if none yet, or -1 at end of stream
     * (the peer's FIN, a reset, or a timeout). Reading reopens the receive window; a window update is sent when it
     * grew enough to matter (RFC 9293 3.8.6.2.2).
     */
    public int read(ByteBuffer dst) {
        int n = receiver.read(dst);
        if (n <= 0) {
            return n;
        }
        reopenWindow();
        dispatch();
        return n;
    }

    /**
     * Copies received in-order bytes into {@code dst} without consuming them; returns how many, 0 if none yet, or
     * -1 at end of stream. With {@link #consume} it lets a relay take from the endpoint only what the other side
     * accepted: the rest stays here, counted once, and keeps the window closed.
     */
    public int peek(ByteBuffer dst) {
        return receiver.peek(dst);
    }

    /** Consumes {@code n} bytes a {@link #peek} returned (reopening the window as {@link #read} does). */
    public void consume(int n) {
        if (!receiver.consume(n)) {
            return;
        }
        reopenWindow();
        dispatch();
    }

    private void reopenWindow() {
        if (connection.synchronizedOpen() && receiver.windowReopened()) {
            connection.sendAck(ticker.nanoTime());
        }
    }

    /**
     * Starts holding back routine ACKs (the one for every second in-order segment, window updates after a
     * {@link #read}) until {@link #flushAcks()}, for a caller that hands over a burst of segments, drains them and
     * then wants one cumulative ACK carrying the window after the drain, instead of one per two segments (as
     * Linux acknowledges a GRO-merged burst). ACKs that tell the peer something else are never held: out-of-order
     * data (duplicate ACKs drive fast retransmit), a filled hole, a FIN, trimmed, unacceptable or challenged
     * segments. A lone segment still arms the delayed-ACK timer. The caller must call {@link #flushAcks()} before
     * it waits for anything.
     */
    public void holdAcks() {
        receiver.holdAcks();
    }

    /** Ends {@link #holdAcks()}: sends the held ACK, if any (one, cumulative, with the current window). */
    public void flushAcks() {
        if (receiver.flushAcks() && connection.synchronizedOpen()) {
            connection.sendAck(ticker.nanoTime());
        }
        dispatch();
    }

    /**
     * Half-closes: a FIN follows the queued data (RFC 9293 CLOSE). Before the handshake completes the FIN waits
     * for it. Idempotent; ignored once output is shut down.
     */
    public void shutdownOutput() {
        if (!connection.shutdownOutput()) {
            return;
        }
        connection.transmit(ticker.nanoTime());
        dispatch();
    }

    /** Resets the flow: sends RST (unless already closed or in TIME_WAIT) and closes with ABORTED. */
    public void abort() {
        if (connection.state() == TcpState.CLOSED) {
            return;
        }
        connection.abort(ticker.nanoTime());
        dispatch();
    }

    /**
     * The owner is done with the endpoint: any bytes still buffered are dropped and their memory goes back to the
     * budget. Call it when the flow ends, whatever its state (an endpoint still open should be aborted first).
     */
    public void releaseBuffers() {
        receiver.discardInput();
        sender.release();
    }

    // ---------------------------------------------------------------- timers

    /** The earliest monotonic time (ticker nanos) at which {@link #onTimer()} has work, or {@link #NO_DEADLINE}. */
    public long nextTimerDeadline() {
        return connection.nextTimerDeadline();
    }

    /** Runs whatever timers are due at the ticker's current time. Calling it early is harmless. */
    public void onTimer() {
        connection.onTimer(ticker.nanoTime());
        dispatch();
    }

    // ---------------------------------------------------------------- incoming segments

    /**
     * Processes one segment the NAT layer routed to this flow (RFC 9293 3.10.7.4). The views are read during the
     * call only. Segments for other ports are ignored.
     */
    public void onSegment(ParseResult.TcpSegment segment) {
        TcpHeader tcp = segment.tcp();
        if (connection.state() == TcpState.CLOSED || tcp.sourcePort() != remotePort
                || tcp.destinationPort() != localPort) {
            return;
        }
        connection.onSegment(tcp, ticker.nanoTime());
        dispatch();
    }

    /** Delivers the events the parts collected; a listener calling back in adds to them, delivered in this loop. */
    private void dispatch() {
        if (dispatching) {
            return;
        }
        dispatching = true;
        try {
            while (events.any()) {
                int pending = events.take();
                if ((pending & PendingEvents.CONNECTED) != 0) {
                    listener.onConnected();
                }
                if ((pending & PendingEvents.READABLE) != 0 && !receiver.inputDiscarded()) {
                    listener.onReadable();
                }
                if ((pending & PendingEvents.WRITABLE) != 0) {
                    listener.onWritable();
                }
                if ((pending & PendingEvents.CLOSED) != 0) {
                    listener.onClosed(connection.closeReason());
                }
            }
        } finally {
            dispatching = false;
        }
    }

    // ---------------------------------------------------------------- diagnostics

    /** The peer's current window in bytes (scaled). */
    public long sendWindow() {
        return sender.sendWindow();
    }

    /** Payload bytes per segment we send. */
    public int sendMss() {
        return sender.sendMss();
    }

    /** The current retransmission timeout including backoff, in nanoseconds. */
    public long retransmissionTimeoutNanos() {
        return sender.retransmissionTimeoutNanos();
    }

    /** Smoothed RTT in nanoseconds (0 before the first sample). */
    public long smoothedRttNanos() {
        return sender.smoothedRttNanos();
    }

    /** Bytes of buffer memory this endpoint holds now. */
    /** Segments this endpoint has sent, retransmissions included. */
    public long segmentsSent() {
        return writer.emitted();
    }

    public int bufferMemoryBytes() {
        return sender.allocated() + receiver.allocated() + writer.bufferBytes();
    }

    @Override
    public String toString() {
        return "TcpEndpoint[" + connection.state() + " una=" + Integer.toUnsignedString(sender.unacknowledged())
                + " nxt=" + Integer.toUnsignedString(sender.nextToSend()) + " rcvNxt="
                + Integer.toUnsignedString(receiver.rcvNxt()) + " sndWnd=" + sender.sendWindow() + " queued="
                + sender.queued() + " readable=" + receiver.bufferedReadable() + "]";
    }
}
