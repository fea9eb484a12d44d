package dev.pinhole.netstack.tcp;

import static dev.pinhole.netstack.packet.TcpFlags.ACK;
import static dev.pinhole.netstack.packet.TcpFlags.FIN;
import static dev.pinhole.netstack.packet.TcpFlags.PSH;
import static dev.pinhole.netstack.packet.TcpFlags.RST;
import static dev.pinhole.netstack.packet.TcpFlags.SYN;
import static dev.pinhole.netstack.tcp.SequenceSpace.ge;
import static dev.pinhole.netstack.tcp.SequenceSpace.gt;
import static dev.pinhole.netstack.tcp.SequenceSpace.inWindow;
import static dev.pinhole.netstack.tcp.SequenceSpace.le;
import static dev.pinhole.netstack.tcp.SequenceSpace.lt;

import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.PayloadSource;
import dev.pinhole.netstack.packet.TcpHeader;
import dev.pinhole.netstack.packet.TcpOptionKind;
import dev.pinhole.netstack.packet.TcpOptions;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.budget.Allowance;
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
 * <p>Not thread-safe: confine each endpoint to the thread that owns its flow.
 */
public final class TcpEndpoint {
    /** {@link #nextTimerDeadline()} when no timer is armed. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    /** RFC 9293 3.7.1 default send MSS when the SYN carries none (IPv4); RFC 8200 gives 1220 for IPv6. */
    private static final int DEFAULT_MSS_V4 = 536;
    private static final int DEFAULT_MSS_V6 = 1220;
    /** Floor on the peer's MSS so a tiny advertised MSS cannot make us emit a packet per byte. */
    private static final int MIN_SEND_MSS = 216;
    private static final int TIMESTAMP_OPTION_BYTES = 12;
    private static final int MAX_WINDOW_FIELD = 0xFFFF;
    /** RFC 5961 section 7: bound challenge ACKs so spoofed RSTs/SYNs cannot turn us into an ACK cannon. */
    static final int CHALLENGE_ACKS_PER_SECOND = 10;
    private static final long ONE_SECOND_NANOS = 1_000_000_000L;

    private static final int EVENT_CONNECTED = 1;
    private static final int EVENT_READABLE = 2;
    private static final int EVENT_WRITABLE = 4;
    private static final int EVENT_CLOSED = 8;

    private final TcpConfig config;
    private final Ticker ticker;
    private final SegmentSink sink;
    private final TcpEventListener listener;
    private final TcpSegmentBuilder builder = new TcpSegmentBuilder();
    /** ALIASING: every emitted packet is built here and handed to the sink; see {@link SegmentSink#emit}. */
    private final ByteBuffer out;
    private final PayloadSource sendPayload;
    private int payloadOffset;

    /** The client's port for a passive endpoint (the peer's port in general). */
    private final int remotePort;
    /** The app's port for a passive endpoint (our own port in general). */
    private final int localPort;
    private TcpState state;
    private CloseReason closeReason;

    // Send sequence space (RFC 9293 3.3.1). sndMax is the highest sequence number ever sent: after a timeout
    // sndNxt goes back to sndUna while ACKs up to sndMax stay acceptable.
    private final int iss;
    private int sndUna;
    private int sndNxt;
    private int sndMax;
    /** Sequence number of the first byte held in the send buffer. */
    private int sndBufSeq;
    private long sndWnd;
    private long maxSndWnd;
    private int sndWl1;
    private int sndWl2;
    // Negotiated from the peer's SYN (passive) or SYN-ACK (test-only active open).
    private int sndWscale;
    private int rcvWscale;
    private boolean windowScaling;
    private final int ourMss;
    /** Payload bytes per segment we send (peer's MSS, ours, minus per-segment options). */
    private int sndMss;
    private final SendBuffer sendBuffer;
    private boolean finQueued;
    private boolean writeBlocked;

    // Receive sequence space.
    private int irs;
    private int rcvNxt;
    private final ReceiveBuffer receiveBuffer;
    private int advertisedRightEdge;
    private boolean finReceived;
    private boolean inputDiscarded;
    private boolean pendingFinKnown;
    private int pendingFinSeq;
    private boolean ackPending;
    private int segmentsSinceAck;
    /** {@link #holdAcks()} is in effect: routine ACKs wait in {@link #ackHeld} for {@link #flushAcks()}. */
    private boolean holdingAcks;
    private boolean ackHeld;

    private boolean timestamps;
    private int tsRecent;
    private int lastAckSent;

    private final RetransmissionTimer rtx;
    private CongestionWindow cwnd;
    private int consecutiveTimeouts;
    private boolean rttTiming;
    private int rttSeq;
    private long rttStart;
    private boolean persistArmed;
    private long persistDeadline;
    private int persistProbes;
    private boolean delayedAckArmed;
    private long delayedAckDeadline;
    private boolean timeWaitArmed;
    private long timeWaitDeadline;
    private long lastReceived;
    private int keepaliveProbesSent;

    private int pendingEvents;
    private boolean dispatching;
    private long challengeWindowStart;
    private int challengeAcksInWindow;

    private TcpEndpoint(TcpConfig config, byte[] local, int localPort, byte[] remote, int remotePort, int iss,
            Ticker ticker, SegmentSink sink, TcpEventListener listener, Allowance receiveBudget,
            Allowance sendBudget) {
        this.config = config;
        this.ticker = ticker;
        this.sink = sink;
        this.listener = listener;
        this.out = ByteBuffer.allocate(config.mtu());
        this.sendPayload = (dst, at, len) -> sendBuffer().copyTo(payloadOffset, dst, at, len);
        this.localPort = localPort;
        this.remotePort = remotePort;
        builder.addresses(local, localPort, remote, remotePort);
        this.ourMss = config.mssFor(local.length == 4 ? 4 : 6);
        this.iss = iss;
        this.sndUna = iss;
        this.sndNxt = iss + 1;
        this.sndMax = iss + 1;
        this.sndBufSeq = iss + 1;
        this.sendBuffer = new SendBuffer(config.sendBufferBytes(), sendBudget);
        this.receiveBuffer = new ReceiveBuffer(config.receiveBufferBytes(), config.maxOutOfOrderRanges(),
                receiveBudget);
        this.rtx = new RetransmissionTimer(config.initialRtoNanos(), config.minRtoNanos(), config.maxRtoNanos());
        this.rcvWscale = config.windowScaling() ? shiftFor(config.receiveBufferBytes()) : 0;
        this.cwnd = new CongestionWindow(ourMss, config.initialWindowSegments());
    }

    /** Applies what the peer's SYN or SYN-ACK offered: window scale, timestamps, MSS (RFC 7323, RFC 9293 3.7.1). */
    private void negotiate(TcpOptions peer) {
        windowScaling = config.windowScaling() && peer.windowScale() >= 0;
        sndWscale = windowScaling ? peer.windowScale() : 0;
        rcvWscale = windowScaling ? shiftFor(config.receiveBufferBytes()) : 0;
        timestamps = config.timestamps() && peer.hasTimestamps();
        tsRecent = timestamps ? (int) peer.timestampValue() : 0;
        int defaultMss = ourMss == config.mssFor(4) ? DEFAULT_MSS_V4 : DEFAULT_MSS_V6;
        int peerMss = peer.mss() > 0 ? peer.mss() : defaultMss;
        sndMss = Math.max(MIN_SEND_MSS, Math.min(ourMss, peerMss)) - (timestamps ? TIMESTAMP_OPTION_BYTES : 0);
        cwnd = new CongestionWindow(sndMss, config.initialWindowSegments());
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
        e.state = TcpState.SYN_RECEIVED;
        e.irs = syn.initialSequence();
        e.rcvNxt = e.irs + 1;
        e.sndWnd = syn.window();
        e.maxSndWnd = e.sndWnd;
        e.sndWl1 = e.irs;
        e.sndWl2 = iss;
        e.negotiate(syn.options());
        long now = ticker.nanoTime();
        e.lastReceived = now;
        e.sendSynAck(now);
        e.timeHandshake(iss, now);
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
        e.state = TcpState.SYN_SENT;
        long now = ticker.nanoTime();
        e.lastReceived = now;
        e.sendSyn(now);
        e.timeHandshake(iss, now);
        return e;
    }

    /** The SYN (or SYN-ACK) just sent is the first RTT sample and starts the retransmission timer. */
    private void timeHandshake(int iss, long now) {
        rttTiming = true;
        rttSeq = iss;
        rttStart = now;
        rtx.start(now);
    }

    /** For the payload lambda, which is created before the field is assigned. */
    private SendBuffer sendBuffer() {
        return sendBuffer;
    }

    private static int shiftFor(int bufferBytes) {
        int shift = 0;
        while ((bufferBytes >>> shift) > MAX_WINDOW_FIELD && shift < TcpOptionKind.MAX_WINDOW_SHIFT) {
            shift++;
        }
        return shift;
    }

    // ---------------------------------------------------------------- application side

    public TcpState state() {
        return state;
    }

    /** Why the endpoint closed, or null while it is not {@link TcpState#CLOSED}. */
    public CloseReason closeReason() {
        return closeReason;
    }

    /** Bytes {@link #read} would return now. */
    public int readableBytes() {
        return inputDiscarded ? 0 : receiveBuffer.readable();
    }

    /** Bytes {@link #write} would accept now (0 once output is shut down or the endpoint closed). */
    public int writableBytes() {
        return outputOpen() ? sendBuffer.free() : 0;
    }

    /** True when {@link #writableBytes()} is 0 because the buffer budget, not the send buffer, is full. */
    public boolean writeBlockedByBudget() {
        return outputOpen() && sendBuffer.budgetBound();
    }

    private boolean outputOpen() {
        return !finQueued && (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED
                || state == TcpState.ESTABLISHED
                || state == TcpState.CLOSE_WAIT);
    }

    /** True once the peer's FIN was received: after the readable bytes, {@link #read} returns -1. */
    public boolean inputShutdown() {
        return finReceived || inputDiscarded;
    }

    /**
     * Queues bytes from {@code src} for the client, taking only what the send buffer has room for (advancing
     * {@code src}'s position); returns how many, or -1 if output is shut down or the endpoint closed. When not all
     * bytes fit or the send buffer is left full, {@link TcpEventListener#onWritable()} fires once room frees up. Data
     * written before the handshake completes is sent after it.
     */
    public int write(ByteBuffer src) {
        if (!outputOpen()) {
            return -1;
        }
        int n = sendBuffer.offer(src);
        // A full buffer blocks the writer as much as a short write does: a relay that writes exactly
        // writableBytes() never has bytes left over, and waits for onWritable all the same.
        if (src.hasRemaining() || sendBuffer.free() == 0) {
            writeBlocked = true;
        }
        if (n > 0) {
            transmit(ticker.nanoTime());
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
        if (inputDiscarded) {
            return -1;
        }
        int n = receiveBuffer.read(dst);
        if (n == 0) {
            return finReceived && receiveBuffer.readable() == 0 ? -1 : 0;
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
        if (inputDiscarded) {
            return -1;
        }
        int n = receiveBuffer.peek(dst);
        if (n == 0) {
            return finReceived && receiveBuffer.readable() == 0 ? -1 : 0;
        }
        return n;
    }

    /** Consumes {@code n} bytes a {@link #peek} returned (reopening the window as {@link #read} does). */
    public void consume(int n) {
        if (inputDiscarded || n <= 0) {
            return;
        }
        receiveBuffer.skip(n);
        reopenWindow();
        dispatch();
    }

    private void reopenWindow() {
        if (state != TcpState.CLOSED && state != TcpState.SYN_RECEIVED && state != TcpState.SYN_SENT
                && !finReceived) {
            int current = Math.max(0, advertisedRightEdge - rcvNxt);
            int free = receiveBuffer.free();
            if (current <= receiveBuffer.capacity() / 2 && free >= 2L * current
                    && free - current >= windowUpdateThreshold()) {
                if (holdingAcks) {
                    ackHeld = true;
                } else {
                    sendAck(ticker.nanoTime());
                }
            }
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
        holdingAcks = true;
    }

    /** Ends {@link #holdAcks()}: sends the held ACK, if any (one, cumulative, with the current window). */
    public void flushAcks() {
        holdingAcks = false;
        if (ackHeld) {
            ackHeld = false;
            if (state != TcpState.CLOSED && state != TcpState.SYN_RECEIVED && state != TcpState.SYN_SENT) {
                sendAck(ticker.nanoTime());
            }
        }
        dispatch();
    }

    /**
     * Half-closes: a FIN follows the queued data (RFC 9293 CLOSE). Before the handshake completes the FIN waits
     * for it. Idempotent; ignored once output is shut down.
     */
    public void shutdownOutput() {
        if (finQueued) {
            return;
        }
        switch (state) {
            case SYN_SENT, SYN_RECEIVED -> finQueued = true;
            case ESTABLISHED -> {
                finQueued = true;
                state = TcpState.FIN_WAIT_1;
            }
            case CLOSE_WAIT -> {
                finQueued = true;
                state = TcpState.LAST_ACK;
            }
            default -> {
                return;
            }
        }
        transmit(ticker.nanoTime());
        dispatch();
    }

    /** Resets the flow: sends RST (unless already closed or in TIME_WAIT) and closes with ABORTED. */
    public void abort() {
        if (state == TcpState.CLOSED) {
            return;
        }
        if (state != TcpState.TIME_WAIT && state != TcpState.SYN_SENT) {
            sendReset(ticker.nanoTime());
        }
        close(CloseReason.ABORTED, true);
        dispatch();
    }

    // ---------------------------------------------------------------- timers

    /** The earliest monotonic time (ticker nanos) at which {@link #onTimer()} has work, or {@link #NO_DEADLINE}. */
    public long nextTimerDeadline() {
        long d = NO_DEADLINE;
        if (rtx.isArmed()) {
            d = earliest(d, rtx.deadline());
        }
        if (persistArmed) {
            d = earliest(d, persistDeadline);
        }
        if (delayedAckArmed) {
            d = earliest(d, delayedAckDeadline);
        }
        if (timeWaitArmed) {
            d = earliest(d, timeWaitDeadline);
        }
        if (keepaliveApplies()) {
            d = earliest(d, keepaliveDeadline());
        }
        return d;
    }

    private static long earliest(long current, long candidate) {
        return current == NO_DEADLINE || candidate - current < 0 ? candidate : current;
    }

    /** Runs whatever timers are due at the ticker's current time. Calling it early is harmless. */
    public void onTimer() {
        long now = ticker.nanoTime();
        if (timeWaitArmed && now - timeWaitDeadline >= 0) {
            close(CloseReason.NORMAL, false);
        }
        if (rtx.expired(now)) {
            onRetransmissionTimeout(now);
        }
        if (persistArmed && now - persistDeadline >= 0 && state != TcpState.CLOSED) {
            onPersistTimeout(now);
        }
        if (delayedAckArmed && now - delayedAckDeadline >= 0 && state != TcpState.CLOSED) {
            sendAck(now);
        }
        if (keepaliveApplies() && now - keepaliveDeadline() >= 0) {
            onKeepaliveTimeout(now);
        }
        dispatch();
    }

    private void onRetransmissionTimeout(long now) {
        rtx.stop();
        rttTiming = false;
        if (state == TcpState.SYN_RECEIVED || state == TcpState.SYN_SENT) {
            if (++consecutiveTimeouts > config.maxSynAckRetransmissions()) {
                close(CloseReason.TIMED_OUT, true);
                return;
            }
            rtx.backoff();
            if (state == TcpState.SYN_SENT) {
                sendSyn(now);
            } else {
                sendSynAck(now);
            }
            rtx.start(now);
            return;
        }
        if (++consecutiveTimeouts > config.maxRetransmissions()) {
            sendReset(now);
            close(CloseReason.TIMED_OUT, true);
            return;
        }
        cwnd.onTimeout(sndMax - sndUna);
        rtx.backoff();
        // Go back: resend from the oldest unacknowledged byte, one segment now (cwnd is one MSS), more as ACKs
        // come back.
        sndNxt = sndUna;
        transmit(now);
    }

    private void onPersistTimeout(long now) {
        if (++persistProbes > config.maxRetransmissions()) {
            sendReset(now);
            close(CloseReason.TIMED_OUT, true);
            return;
        }
        // A probe one below SND.UNA is outside the peer's window, so it must answer with an ACK carrying its
        // current window (RFC 9293 3.10.7.4) without us committing any data to a closed window.
        sendSegment(sndUna - 1, ACK, 0, 0, now);
        persistDeadline = now + backedOff(rtx.currentRto(), persistProbes);
    }

    private long backedOff(long base, int shifts) {
        long v = base;
        for (int i = 0; i < shifts && v < config.maxRtoNanos(); i++) {
            v <<= 1;
        }
        return Math.min(v, config.maxRtoNanos());
    }

    private boolean keepaliveApplies() {
        return config.keepaliveEnabled() && sndUna == sndMax && !persistArmed
                && (state == TcpState.ESTABLISHED || state == TcpState.CLOSE_WAIT || state == TcpState.FIN_WAIT_2);
    }

    private long keepaliveDeadline() {
        return lastReceived + config.keepaliveIdleNanos() + keepaliveProbesSent * config.keepaliveIntervalNanos();
    }

    private void onKeepaliveTimeout(long now) {
        if (keepaliveProbesSent >= config.keepaliveProbes()) {
            sendReset(now);
            close(CloseReason.TIMED_OUT, true);
            return;
        }
        keepaliveProbesSent++;
        sendSegment(sndUna - 1, ACK, 0, 0, now);
    }

    // ---------------------------------------------------------------- incoming segments

    /**
     * Processes one segment the NAT layer routed to this flow (RFC 9293 3.10.7.4). The views are read during the
     * call only. Segments for other ports are ignored.
     */
    public void onSegment(ParseResult.TcpSegment segment) {
        TcpHeader tcp = segment.tcp();
        if (state == TcpState.CLOSED || tcp.sourcePort() != remotePort || tcp.destinationPort() != localPort) {
            return;
        }
        long now = ticker.nanoTime();
        process(tcp, now);
        if (state != TcpState.CLOSED) {
            transmit(now);
            if (ackPending) {
                sendAck(now);
            }
        }
        dispatch();
    }

    private void process(TcpHeader tcp, long now) {
        int seq = tcp.sequenceNumber();
        int segLen = tcp.sequenceLength();
        boolean rst = tcp.rst();
        boolean syn = tcp.syn();

        if (state == TcpState.SYN_SENT) {
            processInSynSent(tcp, now);
            return;
        }
        if (state == TcpState.SYN_RECEIVED && syn && !tcp.ack() && !rst && seq == irs) {
            // The client did not see our SYN-ACK: send it again.
            sendSynAck(now);
            return;
        }
        if (state == TcpState.TIME_WAIT) {
            processInTimeWait(tcp, seq, now);
            return;
        }

        // 1. Sequence acceptability.
        long rcvWnd = receiveBuffer.free();
        boolean acceptable;
        if (segLen == 0) {
            acceptable = rcvWnd == 0 ? seq == rcvNxt : inWindow(seq, rcvNxt, rcvWnd);
        } else if (rcvWnd > 0) {
            acceptable = inWindow(seq, rcvNxt, rcvWnd) || inWindow(seq + segLen - 1, rcvNxt, rcvWnd);
        } else {
            // RFC 9293 3.10.7.4: with a zero window, still honour the ACK (and RST) of a segment at RCV.NXT; its
            // data is dropped below. Otherwise a peer that only sends data would never get our data acknowledged.
            acceptable = seq == rcvNxt;
        }
        if (!acceptable) {
            if (!rst) {
                ackPending = true;
            }
            return;
        }
        lastReceived = now;
        keepaliveProbesSent = 0;

        // 2. RST (RFC 5961 3.2): exact match resets, anything else in the window earns a challenge ACK.
        if (rst) {
            if (seq == rcvNxt) {
                close(CloseReason.RESET_BY_PEER, true);
            } else {
                challengeAck(now);
            }
            return;
        }
        // 4. SYN in a synchronized state (RFC 5961 4.2): challenge ACK.
        if (syn) {
            challengeAck(now);
            return;
        }
        // 5. ACK.
        if (!tcp.ack()) {
            return;
        }
        int ack = tcp.acknowledgmentNumber();
        updateTimestamp(tcp, seq);
        if (state == TcpState.SYN_RECEIVED) {
            if (!(gt(ack, sndUna) && le(ack, sndMax))) {
                sendSegmentNoAck(ack, RST, now);
                return;
            }
            establish(tcp, seq, ack, now);
        }
        if (!processAck(tcp, seq, ack, now)) {
            return;
        }
        if (state == TcpState.CLOSED || state == TcpState.TIME_WAIT) {
            return;
        }
        // 7. Segment text.
        if (state.acceptsData()) {
            receiveText(tcp, seq, now);
        }
        // 8. FIN.
        if (tcp.fin()) {
            int finSeq = seq + tcp.payloadLength();
            if (finSeq == rcvNxt) {
                receiveFin(now);
            } else if (gt(finSeq, rcvNxt) && state.acceptsData()) {
                pendingFinKnown = true;
                pendingFinSeq = finSeq;
            }
        }
    }

    /** RFC 9293 3.10.7.3, without simultaneous open (a SYN without ACK is dropped). */
    private void processInSynSent(TcpHeader tcp, long now) {
        boolean ackOk = false;
        if (tcp.ack()) {
            int ack = tcp.acknowledgmentNumber();
            ackOk = gt(ack, iss) && le(ack, sndMax);
            if (!ackOk) {
                if (!tcp.rst()) {
                    sendSegmentNoAck(ack, RST, now);
                }
                return;
            }
        }
        if (tcp.rst()) {
            if (ackOk) {
                close(CloseReason.RESET_BY_PEER, true);
            }
            return;
        }
        if (!tcp.syn() || !ackOk) {
            return;
        }
        irs = tcp.sequenceNumber();
        rcvNxt = irs + 1;
        negotiate(tcp.options());
        sndWnd = tcp.window();
        maxSndWnd = sndWnd;
        sndWl1 = irs;
        sndWl2 = tcp.acknowledgmentNumber();
        sndUna = tcp.acknowledgmentNumber();
        if (rttTiming) {
            rtx.onRttSample(now - rttStart);
            rttTiming = false;
        }
        rtx.stop();
        rtx.resetBackoff();
        consecutiveTimeouts = 0;
        state = finQueued ? TcpState.FIN_WAIT_1 : TcpState.ESTABLISHED;
        pendingEvents |= EVENT_CONNECTED;
        ackPending = true;
    }

    private void challengeAck(long now) {
        if (challengeAcksInWindow == 0 || now - challengeWindowStart >= ONE_SECOND_NANOS) {
            challengeWindowStart = now;
            challengeAcksInWindow = 0;
        }
        if (challengeAcksInWindow < CHALLENGE_ACKS_PER_SECOND) {
            challengeAcksInWindow++;
            ackPending = true;
        }
    }

    private void processInTimeWait(TcpHeader tcp, int seq, long now) {
        if (tcp.rst()) {
            if (seq == rcvNxt) {
                close(CloseReason.NORMAL, false);
            }
            return;
        }
        if (tcp.fin()) {
            // A retransmitted FIN: our last ACK was lost. Acknowledge again and restart 2 MSL.
            timeWaitDeadline = now + config.timeWaitNanos();
        }
        ackPending = true;
    }

    private void establish(TcpHeader tcp, int seq, int ack, long now) {
        sndUna = ack;
        if (rttTiming) {
            rtx.onRttSample(now - rttStart);
            rttTiming = false;
        }
        rtx.stop();
        rtx.resetBackoff();
        consecutiveTimeouts = 0;
        sndWnd = (long) tcp.window() << sndWscale;
        maxSndWnd = Math.max(maxSndWnd, sndWnd);
        sndWl1 = seq;
        sndWl2 = ack;
        state = finQueued ? TcpState.FIN_WAIT_1 : TcpState.ESTABLISHED;
        pendingEvents |= EVENT_CONNECTED;
    }

    /** Step 5 for synchronized states; false when the segment must be dropped. */
    private boolean processAck(TcpHeader tcp, int seq, int ack, long now) {
        if (gt(ack, sndMax)) {
            ackPending = true;
            return false;
        }
        if (lt(ack, sndUna - (int) Math.max(maxSndWnd, MAX_WINDOW_FIELD))) {
            // RFC 5961 5.2: an ACK too old to be from this connection's recent past.
            challengeAck(now);
            return false;
        }
        long newWnd = (long) tcp.window() << sndWscale;
        boolean duplicate = ack == sndUna && sndMax != sndUna && tcp.payloadLength() == 0 && !tcp.fin()
                && newWnd == sndWnd;
        if (ge(ack, sndUna) && (lt(sndWl1, seq) || (sndWl1 == seq && le(sndWl2, ack)))) {
            boolean opened = sndWnd == 0 && newWnd > 0;
            sndWnd = newWnd;
            maxSndWnd = Math.max(maxSndWnd, sndWnd);
            sndWl1 = seq;
            sndWl2 = ack;
            if (opened) {
                persistArmed = false;
                persistProbes = 0;
            }
        }
        if (persistArmed && ack == sndUna) {
            // The peer answered a probe; it is alive, so only count probes in a row that go unanswered.
            persistProbes = 0;
        }
        if (gt(ack, sndUna)) {
            onNewAck(ack, now);
        } else if (duplicate) {
            if (cwnd.onDuplicateAck(sndMax - sndUna, sndMax)) {
                retransmitOldest(now);
            }
        }
        return true;
    }

    private void onNewAck(int ack, long now) {
        int acked = ack - sndUna;
        int finSeq = sndBufSeq + sendBuffer.size();
        int dataAcked = Math.min(acked, sendBuffer.size());
        boolean ourFinAcked = finQueued && gt(ack, finSeq);
        sendBuffer.discard(dataAcked);
        sndBufSeq += dataAcked;
        sndUna = ack;
        if (lt(sndNxt, sndUna)) {
            sndNxt = sndUna;
        }
        if (rttTiming && gt(ack, rttSeq)) {
            rtx.onRttSample(now - rttStart);
            rttTiming = false;
        }
        rtx.resetBackoff();
        consecutiveTimeouts = 0;
        boolean partialAck = cwnd.onNewAck(acked, ack);
        if (sndUna == sndMax) {
            rtx.stop();
        } else {
            rtx.start(now);
        }
        if (partialAck) {
            retransmitOldest(now);
        }
        if (dataAcked > 0 && writeBlocked && outputOpen()) {
            writeBlocked = false;
            pendingEvents |= EVENT_WRITABLE;
        }
        if (ourFinAcked) {
            switch (state) {
                case FIN_WAIT_1 -> state = TcpState.FIN_WAIT_2;
                case CLOSING -> enterTimeWait(now);
                case LAST_ACK -> close(CloseReason.NORMAL, false);
                default -> {
                }
            }
        }
    }

    private void receiveText(TcpHeader tcp, int seq, long now) {
        int len = tcp.payloadLength();
        if (len == 0) {
            return;
        }
        int offset = seq - rcvNxt;
        int src = tcp.payloadOffset();
        if (offset < 0) {
            int skip = -offset;
            if (skip >= len) {
                ackPending = true;
                return;
            }
            src += skip;
            len -= skip;
            offset = 0;
        }
        int room = receiveBuffer.free() - offset;
        if (room <= 0) {
            ackPending = true;
            return;
        }
        boolean trimmed = len > room;
        if (trimmed) {
            len = room;
        }
        boolean hadHoles = receiveBuffer.hasOutOfOrderData();
        int advance = receiveBuffer.store(offset, tcp.buffer(), src, len);
        if (advance > 0) {
            rcvNxt += advance;
            pendingEvents |= EVENT_READABLE;
            segmentsSinceAck++;
            if (hadHoles || trimmed || config.delayedAckNanos() == 0) {
                // RFC 5681 4.2: ACK at once when a segment fills a hole.
                ackPending = true;
            } else if (segmentsSinceAck >= 2) {
                // At least every second segment; while the caller holds ACKs, once for its whole burst.
                if (holdingAcks) {
                    ackHeld = true;
                } else {
                    ackPending = true;
                }
            } else if (!delayedAckArmed) {
                delayedAckArmed = true;
                delayedAckDeadline = now + config.delayedAckNanos();
            }
            if (pendingFinKnown && pendingFinSeq == rcvNxt && !tcp.fin()) {
                pendingFinKnown = false;
                receiveFin(now);
            }
        } else {
            // Out of order: a duplicate ACK at once tells the sender about the hole (RFC 5681 4.2).
            ackPending = true;
        }
    }

    private void receiveFin(long now) {
        pendingFinKnown = false;
        rcvNxt += 1;
        finReceived = true;
        ackPending = true;
        pendingEvents |= EVENT_READABLE;
        switch (state) {
            case SYN_RECEIVED, ESTABLISHED -> state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> state = TcpState.CLOSING;
            case FIN_WAIT_2 -> enterTimeWait(now);
            default -> {
            }
        }
    }

    private void updateTimestamp(TcpHeader tcp, int seq) {
        if (!timestamps) {
            return;
        }
        int at = tcp.timestampsIndex();
        if (at < 0) {
            return;
        }
        int tsVal = tcp.buffer().getInt(at);
        // RFC 7323 4.3: remember the newest TSval of a segment covering the last ACK we sent.
        if (ge(tsVal, tsRecent) && le(seq, lastAckSent)) {
            tsRecent = tsVal;
        }
    }

    private void enterTimeWait(long now) {
        state = TcpState.TIME_WAIT;
        rtx.stop();
        persistArmed = false;
        delayedAckArmed = false;
        timeWaitArmed = true;
        timeWaitDeadline = now + config.timeWaitNanos();
    }

    private void close(CloseReason reason, boolean discardInput) {
        state = TcpState.CLOSED;
        closeReason = reason;
        rtx.stop();
        persistArmed = false;
        delayedAckArmed = false;
        timeWaitArmed = false;
        ackPending = false;
        // Nothing is sent once closed: the send buffer's memory goes back to the budget now.
        sendBuffer.release();
        if (discardInput) {
            inputDiscarded = true;
            receiveBuffer.release();
        }
        pendingEvents |= EVENT_CLOSED;
    }

    /**
     * The owner is done with the endpoint: any bytes still buffered are dropped and their memory goes back to the
     * budget. Call it when the flow ends, whatever its state (an endpoint still open should be aborted first).
     */
    public void releaseBuffers() {
        inputDiscarded = true;
        sendBuffer.release();
        receiveBuffer.release();
    }

    // ---------------------------------------------------------------- output

    /** Sends what the windows allow: new data, then our FIN once all data is out; arms retransmit or persist. */
    private void transmit(long now) {
        if (!state.sends()) {
            return;
        }
        while (true) {
            int inFlight = sndNxt - sndUna;
            int offset = sndNxt - sndBufSeq;
            int unsent = sendBuffer.size() - offset;
            if (unsent > 0) {
                long usable = Math.min(sndWnd, cwnd.window()) - inFlight;
                if (usable <= 0) {
                    break;
                }
                int len = (int) Math.min(Math.min(unsent, sndMss), usable);
                // Sender silly-window avoidance (RFC 9293 3.8.6.2.1), but never stall with nothing in flight.
                if (len < unsent && len < sndMss && len < maxSndWnd / 2 && inFlight > 0) {
                    break;
                }
                boolean fin = finQueued && len == unsent;
                int flags = ACK | (len == unsent ? PSH : 0) | (fin ? FIN : 0);
                sendSegment(sndNxt, flags, offset, len, now);
                advanceSent(sndNxt + len + (fin ? 1 : 0), now);
            } else if (finQueued && offset == sendBuffer.size()) {
                sendSegment(sndNxt, ACK | FIN, 0, 0, now);
                advanceSent(sndNxt + 1, now);
            } else {
                break;
            }
        }
        boolean dataWaiting = sendBuffer.size() > sndNxt - sndBufSeq;
        if (sndWnd == 0 && dataWaiting && sndNxt == sndUna && !rtx.isArmed()) {
            if (!persistArmed) {
                persistArmed = true;
                persistProbes = 0;
                persistDeadline = now + rtx.currentRto();
            }
        } else if (sndWnd > 0) {
            persistArmed = false;
        }
    }

    private void advanceSent(int newNxt, long now) {
        int start = sndNxt;
        sndNxt = newNxt;
        if (gt(newNxt, sndMax)) {
            if (!rttTiming && ge(start, sndMax)) {
                rttTiming = true;
                rttSeq = start;
                rttStart = now;
            }
            sndMax = newNxt;
        } else {
            rttTiming = false;
        }
        if (!rtx.isArmed()) {
            rtx.start(now);
        }
    }

    /** Fast retransmit: the oldest unacknowledged segment (or our FIN alone). */
    private void retransmitOldest(long now) {
        int outstanding = sndMax - sndUna;
        int data = Math.min(outstanding, sendBuffer.size());
        int len = Math.min(data, sndMss);
        boolean fin = finQueued && outstanding == sendBuffer.size() + 1 && len == sendBuffer.size();
        if (len == 0 && !fin) {
            return;
        }
        rttTiming = false;
        sendSegment(sndUna, ACK | (fin ? FIN : 0) | (len > 0 && len == sendBuffer.size() ? PSH : 0), 0, len, now);
    }

    /**
     * A pure ACK carries SND.MAX, not SND.NXT: after a timeout SND.NXT is rewound for go-back retransmission, and an
     * ACK numbered below the peer's RCV.NXT would be unacceptable to it and its acknowledgment ignored.
     */
    private void sendAck(long now) {
        sendSegment(sndMax, ACK, 0, 0, now);
    }

    /** RST carries SND.MAX so that it matches the peer's RCV.NXT exactly (RFC 5961 3.2). */
    private void sendReset(long now) {
        if (state == TcpState.SYN_RECEIVED) {
            sendSegmentNoAck(sndMax, RST, now);
        } else {
            sendSegment(sndMax, RST | ACK, 0, 0, now);
        }
    }

    private void sendSynAck(long now) {
        int window = Math.min(receiveBuffer.free(), MAX_WINDOW_FIELD);
        builder.begin(iss, rcvNxt, SYN | ACK, window).mss(ourMss);
        if (windowScaling) {
            builder.windowScale(rcvWscale);
        }
        if (timestamps) {
            builder.timestamps(timestampNow(now), tsRecent);
        }
        advertisedRightEdge = rcvNxt + window;
        lastAckSent = rcvNxt;
        out.clear();
        builder.writeTo(out);
        sink.emit(out);
    }

    private void sendSyn(long now) {
        int window = Math.min(receiveBuffer.free(), MAX_WINDOW_FIELD);
        builder.begin(iss, 0, SYN, window).mss(ourMss);
        if (config.windowScaling()) {
            builder.windowScale(rcvWscale);
        }
        if (config.timestamps()) {
            builder.timestamps(timestampNow(now), 0);
        }
        out.clear();
        builder.writeTo(out);
        sink.emit(out);
    }

    private void sendSegmentNoAck(int seq, int flags, long now) {
        builder.begin(seq, 0, flags, 0);
        out.clear();
        builder.writeTo(out);
        sink.emit(out);
    }

    private void sendSegment(int seq, int flags, int dataOffset, int len, long now) {
        builder.begin(seq, rcvNxt, flags, windowField());
        if (timestamps) {
            builder.timestamps(timestampNow(now), tsRecent);
        }
        if (len > 0) {
            payloadOffset = dataOffset;
            builder.payload(sendPayload, len);
        }
        lastAckSent = rcvNxt;
        ackPending = false;
        ackHeld = false;
        delayedAckArmed = false;
        segmentsSinceAck = 0;
        out.clear();
        builder.writeTo(out);
        sink.emit(out);
    }

    private int windowUpdateThreshold() {
        return Math.min(receiveBuffer.capacity() / 2, ourMss);
    }

    /**
     * The window field to advertise. The right edge never moves left (RFC 9293 3.8.6.2.2), and it moves right only
     * by at least min(buffer/2, MSS) so a slow reader does not invite tiny segments (receiver SWS avoidance).
     */
    private int windowField() {
        int free = receiveBuffer.free();
        int current = Math.max(0, advertisedRightEdge - rcvNxt);
        int window = free - current >= windowUpdateThreshold() ? free : Math.min(current, free);
        int field = Math.min(window >>> rcvWscale, MAX_WINDOW_FIELD);
        int edge = rcvNxt + (field << rcvWscale);
        if (gt(edge, advertisedRightEdge)) {
            advertisedRightEdge = edge;
        }
        return field;
    }

    private static int timestampNow(long now) {
        return (int) (now / 1_000_000L);
    }

    private void dispatch() {
        if (dispatching) {
            return;
        }
        dispatching = true;
        try {
            while (pendingEvents != 0) {
                int events = pendingEvents;
                pendingEvents = 0;
                if ((events & EVENT_CONNECTED) != 0) {
                    listener.onConnected();
                }
                if ((events & EVENT_READABLE) != 0 && !inputDiscarded) {
                    listener.onReadable();
                }
                if ((events & EVENT_WRITABLE) != 0) {
                    listener.onWritable();
                }
                if ((events & EVENT_CLOSED) != 0) {
                    listener.onClosed(closeReason);
                }
            }
        } finally {
            dispatching = false;
        }
    }

    // ---------------------------------------------------------------- diagnostics

    /** The peer's current window in bytes (scaled). */
    public long sendWindow() {
        return sndWnd;
    }

    /** Payload bytes per segment we send. */
    public int sendMss() {
        return sndMss;
    }

    /** The current retransmission timeout including backoff, in nanoseconds. */
    public long retransmissionTimeoutNanos() {
        return rtx.currentRto();
    }

    /** Smoothed RTT in nanoseconds (0 before the first sample). */
    public long smoothedRttNanos() {
        return rtx.smoothedRtt();
    }

    /** Bytes of buffer memory this endpoint holds now. */
    public int bufferMemoryBytes() {
        return sendBuffer.allocated() + receiveBuffer.allocated() + out.capacity();
    }

    @Override
    public String toString() {
        return "TcpEndpoint[" + state + " una=" + Integer.toUnsignedString(sndUna) + " nxt="
                + Integer.toUnsignedString(sndNxt) + " rcvNxt=" + Integer.toUnsignedString(rcvNxt) + " sndWnd="
                + sndWnd + " queued=" + sendBuffer.size() + " readable=" + receiveBuffer.readable() + "]";
    }
}
