package dev.pinhole.netstack.tcp;

/**
 * RFC 5681 congestion control: slow start, congestion avoidance, fast retransmit on the third duplicate ACK, and
 * fast recovery with the RFC 6582 (NewReno) partial-ACK rule so several losses in one window are repaired without
 * waiting for a timeout; collapse to one segment on a timeout.
 */
final class CongestionWindow {
    static final int DUPLICATE_ACK_THRESHOLD = 3;

    private final int mss;
    private long cwnd;
    private long ssthresh = Integer.MAX_VALUE;
    private int duplicateAcks;
    private boolean inRecovery;
    /** RFC 6582 "recover": the highest sequence number sent when fast recovery began. */
    private int recover;

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

    /**
     * New data acknowledged ({@code acked} bytes, up to {@code ack}). Returns true for a partial ACK during fast
     * recovery: the caller must retransmit the oldest unacknowledged segment at once (RFC 6582 3.2 step 3).
     */
    boolean onNewAck(int acked, int ack) {
        duplicateAcks = 0;
        if (inRecovery) {
            if (SequenceSpace.lt(ack, recover)) {
                // Partial ACK: deflate by what was acknowledged, add back one segment, stay in recovery.
                cwnd = Math.max(cwnd - acked + (acked >= mss ? mss : 0), mss);
                return true;
            }
            inRecovery = false;
            cwnd = ssthresh;
            return false;
        }
        if (cwnd < ssthresh) {
            cwnd += Math.min(acked, mss);
        } else {
            cwnd += Math.max(1, (long) mss * mss / cwnd);
        }
        cwnd = Math.min(cwnd, Integer.MAX_VALUE);
        return false;
    }

    /**
     * A duplicate ACK while data is outstanding. Returns true exactly when this one triggers a fast retransmit;
     * later ones inflate the window so new data can flow during recovery.
     */
    boolean onDuplicateAck(int flightSize, int highestSent) {
        duplicateAcks++;
        if (duplicateAcks == DUPLICATE_ACK_THRESHOLD && !inRecovery) {
            recover = highestSent;
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
