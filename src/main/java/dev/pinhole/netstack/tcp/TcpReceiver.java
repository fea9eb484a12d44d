package dev.pinhole.netstack.tcp;

import static dev.pinhole.netstack.tcp.SequenceSpace.ge;
import static dev.pinhole.netstack.tcp.SequenceSpace.gt;
import static dev.pinhole.netstack.tcp.SequenceSpace.inWindow;
import static dev.pinhole.netstack.tcp.SequenceSpace.le;

import dev.pinhole.budget.Allowance;
import dev.pinhole.netstack.packet.TcpHeader;
import dev.pinhole.netstack.packet.TcpOptionKind;
import java.nio.ByteBuffer;

/**
 * The receiving half of an endpoint (RFC 9293 3.3.1 receive sequence space): which segments are acceptable, the
 * received bytes in order and out of order, the window we advertise (never shrinking its right edge, receiver
 * silly-window avoidance), the peer's FIN, TS.Recent (RFC 7323), and when an ACK is owed: at once, on the
 * delayed-ACK timer, or held for a burst ({@link #holdAcks()}). It sends nothing itself: the owner asks
 * {@link #ackPending()} and sends through {@link SegmentWriter}, which reports back with {@link #onAckSent()}.
 */
final class TcpReceiver {
    static final int MAX_WINDOW_FIELD = 0xFFFF;

    private final TcpConfig config;
    private final PendingEvents events;
    private final ReceiveBuffer buffer;
    /** Our MSS: with half the buffer, the step by which the advertised window is allowed to grow. */
    private final int ourMss;

    private int rcvNxt;
    /** RCV.NXT + RCV.WND as last advertised: never moves left (RFC 9293 3.8.6.2.2). */
    private int advertisedRightEdge;
    private boolean windowScaling;
    private int rcvWscale;
    private boolean timestamps;
    private int tsRecent;
    private int lastAckSent;

    private boolean finReceived;
    private boolean inputDiscarded;
    /** A FIN arrived beyond a hole; it takes effect when the hole fills. */
    private boolean pendingFinKnown;
    private int pendingFinSeq;

    private boolean ackPending;
    private int segmentsSinceAck;
    /** {@link #holdAcks()} is in effect: routine ACKs wait in {@link #ackHeld} for {@link #flushAcks()}. */
    private boolean holdingAcks;
    private boolean ackHeld;
    private final Deadline delayedAck = new Deadline();

    TcpReceiver(TcpConfig config, int ourMss, Allowance budget, PendingEvents events) {
        this.config = config;
        this.events = events;
        this.ourMss = ourMss;
        this.buffer = new ReceiveBuffer(config.receiveBufferBytes(), config.maxOutOfOrderRanges(), budget);
        this.rcvWscale = config.windowScaling() ? shiftFor(config.receiveBufferBytes()) : 0;
    }

    private static int shiftFor(int bufferBytes) {
        int shift = 0;
        while ((bufferBytes >>> shift) > MAX_WINDOW_FIELD && shift < TcpOptionKind.MAX_WINDOW_SHIFT) {
            shift++;
        }
        return shift;
    }

    /** The peer's SYN numbered {@code irs}: the next byte expected is the one after it. */
    void synchronize(int irs) {
        rcvNxt = irs + 1;
    }

    /** What the handshake settled for our side: window scaling, and timestamps starting from {@code tsRecent}. */
    void negotiate(boolean windowScaling, boolean timestamps, int tsRecent) {
        this.windowScaling = windowScaling;
        this.rcvWscale = windowScaling ? shiftFor(config.receiveBufferBytes()) : 0;
        this.timestamps = timestamps;
        this.tsRecent = timestamps ? tsRecent : 0;
    }

    // ---------------------------------------------------------------- what segments carry

    int rcvNxt() {
        return rcvNxt;
    }

    boolean windowScaling() {
        return windowScaling;
    }

    int windowShift() {
        return rcvWscale;
    }

    boolean timestamps() {
        return timestamps;
    }

    int tsRecent() {
        return tsRecent;
    }

    /** The unscaled window of a SYN or SYN-ACK (RFC 7323 2.2: never scaled). */
    int synWindow() {
        return Math.min(buffer.free(), MAX_WINDOW_FIELD);
    }

    /** Our SYN-ACK carried {@code window}: that is the right edge the peer knows, and the ACK it last saw. */
    void onSynAckSent(int window) {
        advertisedRightEdge = rcvNxt + window;
        lastAckSent = rcvNxt;
    }

    /**
     * The window field to advertise. The right edge never moves left (RFC 9293 3.8.6.2.2), and it moves right only
     * by at least min(buffer/2, MSS) so a slow reader does not invite tiny segments (receiver SWS avoidance).
     */
    int windowField() {
        int free = buffer.free();
        int current = Math.max(0, advertisedRightEdge - rcvNxt);
        int window = free - current >= windowUpdateThreshold() ? free : Math.min(current, free);
        int field = Math.min(window >>> rcvWscale, MAX_WINDOW_FIELD);
        int edge = rcvNxt + (field << rcvWscale);
        if (gt(edge, advertisedRightEdge)) {
            advertisedRightEdge = edge;
        }
        return field;
    }

    private int windowUpdateThreshold() {
        return Math.min(buffer.capacity() / 2, ourMss);
    }

    /** A segment carrying RCV.NXT just went out: whatever ACK was owed is paid. */
    void onAckSent() {
        lastAckSent = rcvNxt;
        ackPending = false;
        ackHeld = false;
        delayedAck.disarm();
        segmentsSinceAck = 0;
    }

    // ---------------------------------------------------------------- incoming segments

    /** RFC 9293 3.10.7.4 step 1: does a segment of {@code segLen} starting at {@code seq} fall in our window? */
    boolean acceptable(int seq, int segLen) {
        long rcvWnd = buffer.free();
        if (segLen == 0) {
            return rcvWnd == 0 ? seq == rcvNxt : inWindow(seq, rcvNxt, rcvWnd);
        }
        if (rcvWnd > 0) {
            return inWindow(seq, rcvNxt, rcvWnd) || inWindow(seq + segLen - 1, rcvNxt, rcvWnd);
        }
        // RFC 9293 3.10.7.4: with a zero window, still honour the ACK (and RST) of a segment at RCV.NXT; its
        // data is dropped below. Otherwise a peer that only sends data would never get our data acknowledged.
        return seq == rcvNxt;
    }

    /** Remembers the newest TSval of a segment covering the last ACK we sent (RFC 7323 4.3). */
    void updateTimestamp(TcpHeader tcp, int seq) {
        if (!timestamps) {
            return;
        }
        int at = tcp.timestampsIndex();
        if (at < 0) {
            return;
        }
        int tsVal = tcp.buffer().getInt(at);
        if (ge(tsVal, tsRecent) && le(seq, lastAckSent)) {
            tsRecent = tsVal;
        }
    }

    /**
     * Takes a segment's payload: in order, out of order at its place, or trimmed to the window; decides when it is
     * acknowledged. Returns true when the data filled the gap before a FIN seen earlier, which the caller must now
     * take with {@link #acceptFin()}.
     */
    boolean receiveText(TcpHeader tcp, int seq, long now) {
        int len = tcp.payloadLength();
        if (len == 0) {
            return false;
        }
        int offset = seq - rcvNxt;
        int src = tcp.payloadOffset();
        if (offset < 0) {
            int skip = -offset;
            if (skip >= len) {
                ackPending = true;
                return false;
            }
            src += skip;
            len -= skip;
            offset = 0;
        }
        int room = buffer.free() - offset;
        if (room <= 0) {
            ackPending = true;
            return false;
        }
        boolean trimmed = len > room;
        if (trimmed) {
            len = room;
        }
        boolean hadHoles = buffer.hasOutOfOrderData();
        int advance = buffer.store(offset, tcp.buffer(), src, len);
        if (advance <= 0) {
            // Out of order: a duplicate ACK at once tells the sender about the hole (RFC 5681 4.2).
            ackPending = true;
            return false;
        }
        rcvNxt += advance;
        events.add(PendingEvents.READABLE);
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
        } else if (!delayedAck.armed()) {
            delayedAck.arm(now + config.delayedAckNanos());
        }
        if (pendingFinKnown && pendingFinSeq == rcvNxt && !tcp.fin()) {
            pendingFinKnown = false;
            return true;
        }
        return false;
    }

    /** True when a FIN numbered {@code finSeq} is the next thing expected. */
    boolean finInOrder(int finSeq) {
        return finSeq == rcvNxt;
    }

    /** A FIN beyond a hole: remembered, and taken once the data before it arrives. */
    void rememberFin(int finSeq) {
        if (gt(finSeq, rcvNxt)) {
            pendingFinKnown = true;
            pendingFinSeq = finSeq;
        }
    }

    /** The peer's FIN is in order: it takes one sequence number, ends the input and is acknowledged at once. */
    void acceptFin() {
        pendingFinKnown = false;
        rcvNxt += 1;
        finReceived = true;
        ackPending = true;
        events.add(PendingEvents.READABLE);
    }

    // ---------------------------------------------------------------- ACK scheduling

    boolean ackPending() {
        return ackPending;
    }

    /** The segment in hand must be answered by an ACK (after the owner's transmit, which may carry it). */
    void requestAck() {
        ackPending = true;
    }

    /** See {@link TcpEndpoint#holdAcks()}. */
    void holdAcks() {
        holdingAcks = true;
    }

    /** Ends holding; returns true when an ACK was held and is to be sent now. */
    boolean flushAcks() {
        holdingAcks = false;
        boolean held = ackHeld;
        ackHeld = false;
        return held;
    }

    /** The delayed-ACK timer: armed by a lone in-order segment, disarmed by any ACK sent. */
    Deadline delayedAck() {
        return delayedAck;
    }

    /** TIME_WAIT: only a retransmitted FIN is answered from now on. */
    void cancelDelayedAck() {
        delayedAck.disarm();
    }

    /** CLOSED: no ACK is owed any more. */
    void stopAcking() {
        delayedAck.disarm();
        ackPending = false;
    }

    // ---------------------------------------------------------------- application side

    /** Bytes a read would return now. */
    int readable() {
        return inputDiscarded ? 0 : buffer.readable();
    }

    /** True once the peer's FIN was received or the input discarded. */
    boolean inputShutdown() {
        return finReceived || inputDiscarded;
    }

    boolean finReceived() {
        return finReceived;
    }

    boolean inputDiscarded() {
        return inputDiscarded;
    }

    /** See {@link TcpEndpoint#read}; the owner reopens the window when this returned data. */
    int read(ByteBuffer dst) {
        int n = peek(dst);
        if (n > 0) {
            buffer.skip(n);
        }
        return n;
    }

    /** See {@link TcpEndpoint#peek}. */
    int peek(ByteBuffer dst) {
        if (inputDiscarded) {
            return -1;
        }
        int n = buffer.peek(dst);
        if (n == 0) {
            return finReceived && buffer.readable() == 0 ? -1 : 0;
        }
        return n;
    }

    /** See {@link TcpEndpoint#consume}; returns false when nothing was consumed (and no window may have opened). */
    boolean consume(int n) {
        if (inputDiscarded || n <= 0) {
            return false;
        }
        buffer.skip(n);
        return true;
    }

    /**
     * After a read: true when the window grew enough that the peer must hear of it now (RFC 9293 3.8.6.2.2), in an
     * ACK the owner sends. While ACKs are held the update is held instead, and this returns false.
     */
    boolean windowReopened() {
        if (finReceived) {
            return false;
        }
        int current = Math.max(0, advertisedRightEdge - rcvNxt);
        int free = buffer.free();
        if (current <= buffer.capacity() / 2 && free >= 2L * current && free - current >= windowUpdateThreshold()) {
            if (holdingAcks) {
                ackHeld = true;
                return false;
            }
            return true;
        }
        return false;
    }

    /** Drops unread input: reads end the stream and the memory goes back to the budget. */
    void discardInput() {
        inputDiscarded = true;
        buffer.release();
    }

    int allocated() {
        return buffer.allocated();
    }

    int bufferedReadable() {
        return buffer.readable();
    }
}
