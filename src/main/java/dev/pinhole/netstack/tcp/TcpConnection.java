package dev.pinhole.netstack.tcp;

import static dev.pinhole.netstack.packet.TcpFlags.ACK;
import static dev.pinhole.netstack.packet.TcpFlags.RST;
import static dev.pinhole.netstack.tcp.SequenceSpace.gt;
import static dev.pinhole.netstack.tcp.SequenceSpace.le;

import dev.pinhole.netstack.packet.TcpHeader;
import dev.pinhole.netstack.packet.TcpOptions;

/**
 * Connection setup and teardown: the RFC 9293 state machine of one endpoint. It runs the segment-arrival
 * procedure (3.10.7), handing the acknowledgment to the {@link TcpSender} and the text to the {@link TcpReceiver},
 * and owns what belongs to neither: the handshake and its retransmission, RST and SYN handling with RFC 5961
 * challenge ACKs, FIN exchange, TIME_WAIT, keepalive, and closing with a reason.
 */
final class TcpConnection {
    /** RFC 5961 section 7: bound challenge ACKs so spoofed RSTs/SYNs cannot turn us into an ACK cannon. */
    static final int CHALLENGE_ACKS_PER_SECOND = 10;
    private static final long ONE_SECOND_NANOS = 1_000_000_000L;

    private final TcpConfig config;
    private final TcpSender sender;
    private final TcpReceiver receiver;
    private final SegmentWriter writer;
    private final PendingEvents events;

    private TcpState state;
    private CloseReason closeReason;
    private int irs;
    private final Deadline timeWait = new Deadline();
    private long lastReceived;
    private int keepaliveProbesSent;
    private long challengeWindowStart;
    private int challengeAcksInWindow;

    TcpConnection(TcpConfig config, TcpSender sender, TcpReceiver receiver, SegmentWriter writer,
            PendingEvents events) {
        this.config = config;
        this.sender = sender;
        this.receiver = receiver;
        this.writer = writer;
        this.events = events;
    }

    /** Passive open: the client's SYN is in hand; answers with the SYN-ACK. */
    void openPassive(SynRequest syn, long now) {
        state = TcpState.SYN_RECEIVED;
        irs = syn.initialSequence();
        receiver.synchronize(irs);
        sender.takeWindow(syn.window(), irs, sender.iss());
        negotiate(syn.options());
        lastReceived = now;
        writer.synAck(sender.iss(), now);
        sender.timeHandshake(now);
    }

    /** Active open (tests only): sends our SYN. */
    void openActive(long now) {
        state = TcpState.SYN_SENT;
        lastReceived = now;
        writer.syn(sender.iss(), now);
        sender.timeHandshake(now);
    }

    /** Applies what the peer's SYN or SYN-ACK offered: window scale, timestamps, MSS (RFC 7323, RFC 9293 3.7.1). */
    private void negotiate(TcpOptions peer) {
        boolean windowScaling = config.windowScaling() && peer.windowScale() >= 0;
        boolean timestamps = config.timestamps() && peer.hasTimestamps();
        receiver.negotiate(windowScaling, timestamps, timestamps ? (int) peer.timestampValue() : 0);
        sender.negotiate(windowScaling ? peer.windowScale() : 0, peer.mss(), timestamps);
    }

    TcpState state() {
        return state;
    }

    CloseReason closeReason() {
        return closeReason;
    }

    /** The application may still write: no FIN queued, and the state lets data follow. */
    boolean outputOpen() {
        return !sender.finQueued() && (state == TcpState.SYN_SENT || state == TcpState.SYN_RECEIVED
                || state == TcpState.ESTABLISHED
                || state == TcpState.CLOSE_WAIT);
    }

    /** Synchronized and not closed: a state in which a window update or held ACK may be sent. */
    boolean synchronizedOpen() {
        return state != TcpState.CLOSED && state != TcpState.SYN_RECEIVED && state != TcpState.SYN_SENT;
    }

    // ---------------------------------------------------------------- application side

    /** Sends what the sender has, in states that send. */
    void transmit(long now) {
        if (state.sends()) {
            sender.transmit(now);
        }
    }

    /** RFC 9293 CLOSE: queues our FIN after the data. Returns false when output was already shut down. */
    boolean shutdownOutput() {
        if (sender.finQueued()) {
            return false;
        }
        switch (state) {
            case SYN_SENT, SYN_RECEIVED -> sender.queueFin();
            case ESTABLISHED -> {
                sender.queueFin();
                state = TcpState.FIN_WAIT_1;
            }
            case CLOSE_WAIT -> {
                sender.queueFin();
                state = TcpState.LAST_ACK;
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Sends RST (unless already closed, in TIME_WAIT or before our SYN was answered) and closes with ABORTED. */
    void abort(long now) {
        if (state == TcpState.CLOSED) {
            return;
        }
        if (state != TcpState.TIME_WAIT && state != TcpState.SYN_SENT) {
            sendReset(now);
        }
        close(CloseReason.ABORTED, true);
    }

    // ---------------------------------------------------------------- incoming segments

    /** One segment of this flow (RFC 9293 3.10.7), then whatever it lets us send and the ACK it is owed. */
    void onSegment(TcpHeader tcp, long now) {
        process(tcp, now);
        if (state != TcpState.CLOSED) {
            transmit(now);
            if (receiver.ackPending()) {
                sendAck(now);
            }
        }
    }

    private void process(TcpHeader tcp, long now) {
        int seq = tcp.sequenceNumber();
        boolean rst = tcp.rst();
        boolean syn = tcp.syn();

        if (state == TcpState.SYN_SENT) {
            processInSynSent(tcp, now);
            return;
        }
        if (state == TcpState.SYN_RECEIVED && syn && !tcp.ack() && !rst && seq == irs) {
            // The client did not see our SYN-ACK: send it again.
            writer.synAck(sender.iss(), now);
            return;
        }
        if (state == TcpState.TIME_WAIT) {
            processInTimeWait(tcp, seq, now);
            return;
        }

        // 1. Sequence acceptability.
        if (!receiver.acceptable(seq, tcp.sequenceLength())) {
            if (!rst) {
                receiver.requestAck();
            }
            return;
        }
        lastReceived = now;
        keepaliveProbesSent = 0;

        // 2. RST (RFC 5961 3.2): exact match resets, anything else in the window earns a challenge ACK.
        if (rst) {
            if (seq == receiver.rcvNxt()) {
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
        receiver.updateTimestamp(tcp, seq);
        if (state == TcpState.SYN_RECEIVED) {
            if (!(gt(ack, sender.unacknowledged()) && le(ack, sender.highestSent()))) {
                writer.bare(ack, RST);
                return;
            }
            establish(tcp, seq, ack, now);
        }
        switch (sender.onAck(tcp, seq, ack, now, outputOpen())) {
            case AHEAD -> {
                receiver.requestAck();
                return;
            }
            case STALE -> {
                challengeAck(now);
                return;
            }
            case FIN_ACKED -> onFinAcked(now);
            case ACCEPTED -> {
            }
        }
        if (state == TcpState.CLOSED || state == TcpState.TIME_WAIT) {
            return;
        }
        // 7. Segment text.
        if (state.acceptsData() && receiver.receiveText(tcp, seq, now)) {
            receiveFin(now);
        }
        // 8. FIN.
        if (tcp.fin()) {
            int finSeq = seq + tcp.payloadLength();
            if (receiver.finInOrder(finSeq)) {
                receiveFin(now);
            } else if (state.acceptsData()) {
                receiver.rememberFin(finSeq);
            }
        }
    }

    /** RFC 9293 3.10.7.3, without simultaneous open (a SYN without ACK is dropped). */
    private void processInSynSent(TcpHeader tcp, long now) {
        boolean ackOk = false;
        if (tcp.ack()) {
            int ack = tcp.acknowledgmentNumber();
            ackOk = gt(ack, sender.iss()) && le(ack, sender.highestSent());
            if (!ackOk) {
                if (!tcp.rst()) {
                    writer.bare(ack, RST);
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
        receiver.synchronize(irs);
        negotiate(tcp.options());
        sender.takeWindow(tcp.window(), irs, tcp.acknowledgmentNumber());
        sender.handshakeAcked(tcp.acknowledgmentNumber(), now);
        state = sender.finQueued() ? TcpState.FIN_WAIT_1 : TcpState.ESTABLISHED;
        events.add(PendingEvents.CONNECTED);
        receiver.requestAck();
    }

    private void establish(TcpHeader tcp, int seq, int ack, long now) {
        sender.handshakeAcked(ack, now);
        sender.takeWindow(sender.scaled(tcp.window()), seq, ack);
        state = sender.finQueued() ? TcpState.FIN_WAIT_1 : TcpState.ESTABLISHED;
        events.add(PendingEvents.CONNECTED);
    }

    private void onFinAcked(long now) {
        switch (state) {
            case FIN_WAIT_1 -> state = TcpState.FIN_WAIT_2;
            case CLOSING -> enterTimeWait(now);
            case LAST_ACK -> close(CloseReason.NORMAL, false);
            default -> {
            }
        }
    }

    private void receiveFin(long now) {
        receiver.acceptFin();
        switch (state) {
            case SYN_RECEIVED, ESTABLISHED -> state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> state = TcpState.CLOSING;
            case FIN_WAIT_2 -> enterTimeWait(now);
            default -> {
            }
        }
    }

    private void challengeAck(long now) {
        if (challengeAcksInWindow == 0 || now - challengeWindowStart >= ONE_SECOND_NANOS) {
            challengeWindowStart = now;
            challengeAcksInWindow = 0;
        }
        if (challengeAcksInWindow < CHALLENGE_ACKS_PER_SECOND) {
            challengeAcksInWindow++;
            receiver.requestAck();
        }
    }

    private void processInTimeWait(TcpHeader tcp, int seq, long now) {
        if (tcp.rst()) {
            if (seq == receiver.rcvNxt()) {
                close(CloseReason.NORMAL, false);
            }
            return;
        }
        if (tcp.fin()) {
            // A retransmitted FIN: our last ACK was lost. Acknowledge again and restart 2 MSL.
            timeWait.arm(now + config.timeWaitNanos());
        }
        receiver.requestAck();
    }

    private void enterTimeWait(long now) {
        state = TcpState.TIME_WAIT;
        sender.stopTimers();
        receiver.cancelDelayedAck();
        timeWait.arm(now + config.timeWaitNanos());
    }

    private void close(CloseReason reason, boolean discardInput) {
        state = TcpState.CLOSED;
        closeReason = reason;
        sender.stopTimers();
        receiver.stopAcking();
        timeWait.disarm();
        // Nothing is sent once closed: the send buffer's memory goes back to the budget now.
        sender.release();
        if (discardInput) {
            receiver.discardInput();
        }
        events.add(PendingEvents.CLOSED);
    }

    // ---------------------------------------------------------------- output

    /**
     * A pure ACK carries SND.MAX, not SND.NXT: after a timeout SND.NXT is rewound for go-back retransmission, and an
     * ACK numbered below the peer's RCV.NXT would be unacceptable to it and its acknowledgment ignored.
     */
    void sendAck(long now) {
        writer.control(sender.highestSent(), ACK, now);
    }

    /** RST carries SND.MAX so that it matches the peer's RCV.NXT exactly (RFC 5961 3.2). */
    private void sendReset(long now) {
        if (state == TcpState.SYN_RECEIVED) {
            writer.bare(sender.highestSent(), RST);
        } else {
            writer.control(sender.highestSent(), RST | ACK, now);
        }
    }

    // ---------------------------------------------------------------- timers

    /** The earliest ticker time at which {@link #onTimer} has work, or {@link TcpEndpoint#NO_DEADLINE}. */
    long nextTimerDeadline() {
        long d = timeWait.earliest(receiver.delayedAck().earliest(
                sender.earliestDeadline(TcpEndpoint.NO_DEADLINE)));
        if (keepaliveApplies()) {
            d = Deadline.earlier(d, keepaliveDeadline());
        }
        return d;
    }

    /** Runs the timers due at {@code now}: TIME_WAIT, retransmission, persist, delayed ACK, keepalive. */
    void onTimer(long now) {
        if (timeWait.due(now)) {
            close(CloseReason.NORMAL, false);
        }
        if (sender.retransmissionDue(now)) {
            onRetransmissionTimeout(now);
        }
        if (sender.persistDue(now) && state != TcpState.CLOSED) {
            if (!sender.probeZeroWindow(now)) {
                sendReset(now);
                close(CloseReason.TIMED_OUT, true);
            }
        }
        if (receiver.delayedAck().due(now) && state != TcpState.CLOSED) {
            sendAck(now);
        }
        if (keepaliveApplies() && now - keepaliveDeadline() >= 0) {
            onKeepaliveTimeout(now);
        }
    }

    private void onRetransmissionTimeout(long now) {
        int timeouts = sender.timedOut();
        if (state == TcpState.SYN_RECEIVED || state == TcpState.SYN_SENT) {
            if (timeouts > config.maxSynAckRetransmissions()) {
                close(CloseReason.TIMED_OUT, true);
                return;
            }
            sender.rearmHandshakeTimer(now);
            if (state == TcpState.SYN_SENT) {
                writer.syn(sender.iss(), now);
            } else {
                writer.synAck(sender.iss(), now);
            }
            return;
        }
        if (timeouts > config.maxRetransmissions()) {
            sendReset(now);
            close(CloseReason.TIMED_OUT, true);
            return;
        }
        sender.goBack();
        transmit(now);
    }

    private boolean keepaliveApplies() {
        return config.keepaliveEnabled() && sender.idle()
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
        sender.probe(now);
    }
}
