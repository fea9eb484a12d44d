package dev.pinhole.netstack.tcp;

/**
 * RFC 5681 congestion control in its simple form: slow start, congestion avoidance, fast retransmit on the third
 * duplicate ACK with fast recovery ended by the next new ACK, and collapse to one segment on a timeout.
 */
final class CongestionWindow {
    static final int DUPLICATE_ACK_THRESHOLD = 3;

    private final int mss;
    private long cwnd;
    private long ssthresh = Integer.MAX_VALUE;
    private int duplicateAcks;
    private boolean inRecovery;

    CongestionWindow(int mss, int initialSegments) {
        this.mss = mss;
        this.cwnd = (long) initialSegments * mss;
    }

    long window() {
        return cwnd;
    }

    long slowStartThreshold() {
        return ssthresh;
    }

    boolean inRecovery() {
        return inRecovery;
    }

    int duplicateAcks() {
        return duplicateAcks;
    }

    /** New data acknowledged. */
    void onNewAck(int acked) {
        duplicateAcks = 0;
        if (inRecovery) {
            inRecovery = false;
            cwnd = ssthresh;
            return;
        }
        if (cwnd < ssthresh) {
            cwnd += Math.min(acked, mss);
        } else {
            cwnd += Math.max(1, (long) mss * mss / cwnd);
        }
        cwnd = Math.min(cwnd, Integer.MAX_VALUE);
    }

    /**
     * A duplicate ACK while data is outstanding. Returns true exactly when this one triggers a fast retransmit;
     * later ones inflate the window so new data can flow during recovery.
     */
    boolean onDuplicateAck(int flightSize) {
        duplicateAcks++;
        if (duplicateAcks == DUPLICATE_ACK_THRESHOLD && !inRecovery) {
            ssthresh = Math.max(flightSize / 2, 2L * mss);
            cwnd = ssthresh + (long) DUPLICATE_ACK_THRESHOLD * mss;
            inRecovery = true;
            return true;
        }
        if (inRecovery) {
            cwnd += mss;
        }
        return false;
    }

    /** The retransmission timer fired (RFC 5681 equation 4). */
    void onTimeout(int flightSize) {
        ssthresh = Math.max(flightSize / 2, 2L * mss);
        cwnd = mss;
        duplicateAcks = 0;
        inRecovery = false;
    }
}
