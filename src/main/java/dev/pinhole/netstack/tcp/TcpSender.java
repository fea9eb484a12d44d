package dev.pinhole.netstack.tcp;

import static dev.pinhole.netstack.packet.TcpFlags.ACK;
import static dev.pinhole.netstack.packet.TcpFlags.FIN;
import static dev.pinhole.netstack.packet.TcpFlags.PSH;
import static dev.pinhole.netstack.tcp.SequenceSpace.ge;
import static dev.pinhole.netstack.tcp.SequenceSpace.gt;
import static dev.pinhole.netstack.tcp.SequenceSpace.le;
import static dev.pinhole.netstack.tcp.SequenceSpace.lt;

import dev.pinhole.budget.Allowance;
import dev.pinhole.netstack.packet.PayloadSource;
import dev.pinhole.netstack.packet.TcpHeader;
import java.nio.ByteBuffer;

/**
 * The sending half of an endpoint (RFC 9293 3.3.1 send sequence space): the bytes the application wrote until the
 * peer acknowledges them, the peer's window, congestion control ({@link CongestionWindow}), RTT measurement and the
 * retransmission timer ({@link RetransmissionTimer}, RFC 6298), the persist timer for a zero window, and our FIN's
 * place after the data. It decides what to (re)send and sends it through {@link SegmentWriter}; it never changes
 * the connection state: {@link #onAck} reports that our FIN was acknowledged and the connection acts on it.
 */
final class TcpSender {
    /** RFC 9293 3.7.1 default send MSS when the SYN carries none (IPv4); RFC 8200 gives 1220 for IPv6. */
    private static final int DEFAULT_MSS_V4 = 536;
    private static final int DEFAULT_MSS_V6 = 1220;
    /** Floor on the peer's MSS so a tiny advertised MSS cannot make us emit a packet per byte. */
    private static final int MIN_SEND_MSS = 216;
    private static final int TIMESTAMP_OPTION_BYTES = 12;

    private final TcpConfig config;
    private final SegmentWriter writer;
    private final PendingEvents events;
    private final SendBuffer buffer;
    private final PayloadSource payload;
    /** Where in {@link #buffer} the segment being built takes its payload from (read by {@link #payload}). */
    private int payloadOffset;

    // sndMax is the highest sequence number ever sent: after a timeout sndNxt goes back to sndUna while ACKs up to
    // sndMax stay acceptable.
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
    private int sndWscale;
    private final int ourMss;
    /** Payload bytes per segment we send (peer's MSS, ours, minus per-segment options). */
    private int sndMss;
    private boolean finQueued;
    private boolean writeBlocked;

    private final RetransmissionTimer rtx;
    private CongestionWindow cwnd;
    private int consecutiveTimeouts;
    private boolean rttTiming;
    private int rttSeq;
    private long rttStart;
    /** Armed while data waits for a zero window to open (RFC 9293 3.8.6.1). */
    private final Deadline persist = new Deadline();
    private int persistProbes;

    TcpSender(TcpConfig config, int iss, int ourMss, Allowance budget, SegmentWriter writer, PendingEvents events) {
        this.config = config;
        this.writer = writer;
        this.events = events;
        this.buffer = new SendBuffer(config.sendBufferBytes(), budget);
        this.payload = (dst, at, len) -> buffer.copyTo(payloadOffset, dst, at, len);
        this.iss = iss;
        this.sndUna = iss;
        this.sndNxt = iss + 1;
        this.sndMax = iss + 1;
        this.sndBufSeq = iss + 1;
        this.ourMss = ourMss;
        this.rtx = new RetransmissionTimer(config.initialRtoNanos(), config.minRtoNanos(), config.maxRtoNanos());
        this.cwnd = new CongestionWindow(ourMss, config.initialWindowSegments());
    }

    /**
     * What the peer's SYN or SYN-ACK settled for sending: its window scale, its MSS (RFC 9293 3.7.1; a default
     * when absent, floored), less the timestamp option when every segment carries one.
     */
    void negotiate(int peerWindowShift, int peerMss, boolean timestamps) {
        sndWscale = peerWindowShift;
        int defaultMss = ourMss == config.mssFor(4) ? DEFAULT_MSS_V4 : DEFAULT_MSS_V6;
        int mss = peerMss > 0 ? peerMss : defaultMss;
        sndMss = Math.max(MIN_SEND_MSS, Math.min(ourMss, mss)) - (timestamps ? TIMESTAMP_OPTION_BYTES : 0);
        cwnd = new CongestionWindow(sndMss, config.initialWindowSegments());
    }

    int iss() {
        return iss;
    }

    /** SND.MAX: what pure ACKs and RSTs carry (see {@link TcpConnection#sendAck}). */
    int highestSent() {
        return sndMax;
    }

    /** The peer's window field scaled by the shift it announced. */
    long scaled(int windowField) {
        return (long) windowField << sndWscale;
    }

    /** Takes the window a handshake segment announced (RFC 9293: SND.WND, SND.WL1, SND.WL2). */
    void takeWindow(long window, int wl1, int wl2) {
        sndWnd = window;
        maxSndWnd = Math.max(maxSndWnd, sndWnd);
        sndWl1 = wl1;
        sndWl2 = wl2;
    }

    /** Our SYN or SYN-ACK just went out: it is the first RTT sample and starts the retransmission timer. */
    void timeHandshake(long now) {
        rttTiming = true;
        rttSeq = iss;
        rttStart = now;
        rtx.start(now);
    }

    /** The peer acknowledged our SYN with {@code ack}: an RTT sample, and the timer stops. */
    void handshakeAcked(int ack, long now) {
        sndUna = ack;
        if (rttTiming) {
            rtx.onRttSample(now - rttStart);
            rttTiming = false;
        }
        rtx.stop();
        rtx.resetBackoff();
        consecutiveTimeouts = 0;
    }

    // ---------------------------------------------------------------- application side

    /** Bytes {@link #queue} would take now. */
    int free() {
        return buffer.free();
    }

    boolean budgetBound() {
        return buffer.budgetBound();
    }

    boolean finQueued() {
        return finQueued;
    }

    /** Takes what fits of {@code src}; a short write, or a full buffer, makes the writer wait for WRITABLE. */
    int queue(ByteBuffer src) {
        int n = buffer.offer(src);
        // A full buffer blocks the writer as much as a short write does: a relay that writes exactly
        // writableBytes() never has bytes left over, and waits for onWritable all the same.
        if (src.hasRemaining() || buffer.free() == 0) {
            writeBlocked = true;
        }
        return n;
    }

    /** Our FIN follows the queued data. */
    void queueFin() {
        finQueued = true;
    }

    /** Nothing more will be sent: the buffer's memory goes back to the budget. */
    void release() {
        buffer.release();
    }

    // ---------------------------------------------------------------- output

    /** Sends what the windows allow: new data, then our FIN once all data is out; arms retransmit or persist. */
    void transmit(long now) {
        while (true) {
            int inFlight = sndNxt - sndUna;
            int offset = sndNxt - sndBufSeq;
            int unsent = buffer.size() - offset;
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
                send(sndNxt, flags, offset, len, now);
                advanceSent(sndNxt + len + (fin ? 1 : 0), now);
            } else if (finQueued && offset == buffer.size()) {
                send(sndNxt, ACK | FIN, 0, 0, now);
                advanceSent(sndNxt + 1, now);
            } else {
                break;
            }
        }
        boolean dataWaiting = buffer.size() > sndNxt - sndBufSeq;
        if (sndWnd == 0 && dataWaiting && sndNxt == sndUna && !rtx.isArmed()) {
            if (!persist.armed()) {
                persistProbes = 0;
                persist.arm(now + rtx.currentRto());
            }
        } else if (sndWnd > 0) {
            persist.disarm();
        }
    }

    private void send(int seq, int flags, int dataOffset, int len, long now) {
        payloadOffset = dataOffset;
        writer.segment(seq, flags, payload, len, now);
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
        int data = Math.min(outstanding, buffer.size());
        int len = Math.min(data, sndMss);
        boolean fin = finQueued && outstanding == buffer.size() + 1 && len == buffer.size();
        if (len == 0 && !fin) {
            return;
        }
        rttTiming = false;
        send(sndUna, ACK | (fin ? FIN : 0) | (len > 0 && len == buffer.size() ? PSH : 0), 0, len, now);
    }

    /**
     * A probe one below SND.UNA: outside the peer's window, so it must answer with an ACK carrying its current
     * window (RFC 9293 3.10.7.4) without us committing any data to it. Zero-window and keepalive probes alike.
     */
    void probe(long now) {
        writer.control(sndUna - 1, ACK, now);
    }

    // ---------------------------------------------------------------- acknowledgments

    /**
     * Step 5 for synchronized states: the window update (RFC 9293 SND.WL1/WL2 rule), new data acknowledged (RTT,
     * congestion window, timer, WRITABLE once room frees up for a blocked writer), or a duplicate ACK (fast
     * retransmit and recovery). {@code outputOpen} says whether the application may still write.
     */
    AckVerdict onAck(TcpHeader tcp, int seq, int ack, long now, boolean outputOpen) {
        if (gt(ack, sndMax)) {
            return AckVerdict.AHEAD;
        }
        if (lt(ack, sndUna - (int) Math.max(maxSndWnd, TcpReceiver.MAX_WINDOW_FIELD))) {
            // RFC 5961 5.2: an ACK too old to be from this connection's recent past.
            return AckVerdict.STALE;
        }
        long newWnd = scaled(tcp.window());
        boolean duplicate = ack == sndUna && sndMax != sndUna && tcp.payloadLength() == 0 && !tcp.fin()
                && newWnd == sndWnd;
        if (ge(ack, sndUna) && (lt(sndWl1, seq) || (sndWl1 == seq && le(sndWl2, ack)))) {
            boolean opened = sndWnd == 0 && newWnd > 0;
            sndWnd = newWnd;
            maxSndWnd = Math.max(maxSndWnd, sndWnd);
            sndWl1 = seq;
            sndWl2 = ack;
            if (opened) {
                persist.disarm();
                persistProbes = 0;
            }
        }
        if (persist.armed() && ack == sndUna) {
            // The peer answered a probe; it is alive, so only count probes in a row that go unanswered.
            persistProbes = 0;
        }
        if (gt(ack, sndUna)) {
            return onNewAck(ack, now, outputOpen) ? AckVerdict.FIN_ACKED : AckVerdict.ACCEPTED;
        }
        if (duplicate && cwnd.onDuplicateAck(sndMax - sndUna, sndMax)) {
            retransmitOldest(now);
        }
        return AckVerdict.ACCEPTED;
    }

    /** Returns true when this ACK covers our FIN. */
    private boolean onNewAck(int ack, long now, boolean outputOpen) {
        int acked = ack - sndUna;
        int finSeq = sndBufSeq + buffer.size();
        int dataAcked = Math.min(acked, buffer.size());
        boolean ourFinAcked = finQueued && gt(ack, finSeq);
        buffer.discard(dataAcked);
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
        if (dataAcked > 0 && writeBlocked && outputOpen) {
            writeBlocked = false;
            events.add(PendingEvents.WRITABLE);
        }
        return ourFinAcked;
    }

    // ---------------------------------------------------------------- timers

    boolean retransmissionArmed() {
        return rtx.isArmed();
    }

    /** The earlier of {@code deadline} and the retransmission and persist timers' deadlines (when armed). */
    long earliestDeadline(long deadline) {
        return persist.earliest(rtx.earliest(deadline));
    }

    boolean retransmissionDue(long now) {
        return rtx.expired(now);
    }

    /** The retransmission timer fired: it stops, the RTT sample in progress is void; returns timeouts in a row. */
    int timedOut() {
        rtx.stop();
        rttTiming = false;
        return ++consecutiveTimeouts;
    }

    /** Before resending a SYN or SYN-ACK: back off and rearm the timer. */
    void rearmHandshakeTimer(long now) {
        rtx.backoff();
        rtx.start(now);
    }

    /**
     * After a data timeout: the congestion window collapses, the timer backs off, and sending goes back to the
     * oldest unacknowledged byte, one segment now (cwnd is one MSS), more as ACKs come back.
     */
    void goBack() {
        cwnd.onTimeout(sndMax - sndUna);
        rtx.backoff();
        sndNxt = sndUna;
    }

    /** The persist timer (tests read when it fires). */
    Deadline persistTimer() {
        return persist;
    }

    boolean persistDue(long now) {
        return persist.due(now);
    }

    /** The persist timer fired: probe the zero window and back off; false when too many probes went unanswered. */
    boolean probeZeroWindow(long now) {
        if (++persistProbes > config.maxRetransmissions()) {
            return false;
        }
        probe(now);
        persist.arm(now + backedOff(rtx.currentRto(), persistProbes));
        return true;
    }

    private long backedOff(long base, int shifts) {
        long v = base;
        for (int i = 0; i < shifts && v < config.maxRtoNanos(); i++) {
            v <<= 1;
        }
        return Math.min(v, config.maxRtoNanos());
    }

    /** Nothing in flight and no zero window being probed: the connection is idle for keepalive. */
    boolean idle() {
        return sndUna == sndMax && !persist.armed();
    }

    /** TIME_WAIT or CLOSED: nothing is (re)sent any more. */
    void stopTimers() {
        rtx.stop();
        persist.disarm();
    }

    // ---------------------------------------------------------------- diagnostics

    long sendWindow() {
        return sndWnd;
    }

    int sendMss() {
        return sndMss;
    }

    long retransmissionTimeoutNanos() {
        return rtx.currentRto();
    }

    long smoothedRttNanos() {
        return rtx.smoothedRtt();
    }

    int allocated() {
        return buffer.allocated();
    }

    /** SND.UNA: the oldest unacknowledged sequence number. */
    int unacknowledged() {
        return sndUna;
    }

    /** SND.NXT: the next sequence number to send (rewound to SND.UNA after a timeout). */
    int nextToSend() {
        return sndNxt;
    }

    /** Bytes written and not yet acknowledged. */
    int queued() {
        return buffer.size();
    }
}
