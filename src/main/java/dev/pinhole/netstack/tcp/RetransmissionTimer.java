package dev.pinhole.netstack.tcp;

/**
 * The RFC 6298 retransmission timer: SRTT/RTTVAR estimation, RTO clamped to [min, max], exponential backoff,
 * and the deadline when armed. Times in nanoseconds.
 */
final class RetransmissionTimer {
    /** RFC 6298 clock granularity G; our clock is the nanosecond ticker, so take 1 ms. */
    private static final long GRANULARITY_NANOS = 1_000_000L;

    private final long minRto;
    private final long maxRto;
    private long srtt;
    private long rttvar;
    private boolean sampled;
    private long rto;
    private int backoffs;
    private final Deadline deadline = new Deadline();

    RetransmissionTimer(long initialRto, long minRto, long maxRto) {
        this.minRto = minRto;
        this.maxRto = maxRto;
        this.rto = initialRto;
    }

    /** Feeds one RTT measurement taken on a segment that was not retransmitted (Karn's algorithm). */
    void onRttSample(long rtt) {
        rtt = Math.max(rtt, 0);
        if (!sampled) {
            srtt = rtt;
            rttvar = rtt / 2;
            sampled = true;
        } else {
            rttvar = (3 * rttvar + Math.abs(srtt - rtt)) / 4;
            srtt = (7 * srtt + rtt) / 8;
        }
        rto = clamp(srtt + Math.max(GRANULARITY_NANOS, 4 * rttvar));
        backoffs = 0;
    }

    private long clamp(long v) {
        return Math.min(maxRto, Math.max(minRto, v));
    }

    /** The current RTO including backoff. */
    long currentRto() {
        long v = rto;
        for (int i = 0; i < backoffs && v < maxRto; i++) {
            v <<= 1;
        }
        return Math.min(v, maxRto);
    }

    long smoothedRtt() {
        return srtt;
    }

    long rttVariance() {
        return rttvar;
    }

    boolean hasSample() {
        return sampled;
    }

    /** Doubles the RTO for the next arming (RFC 6298 5.5). */
    void backoff() {
        if (currentRto() < maxRto) {
            backoffs++;
        }
    }

    /** Forgets the backoff once new data is acknowledged. */
    void resetBackoff() {
        backoffs = 0;
    }

    int backoffs() {
        return backoffs;
    }

    void start(long now) {
        deadline.arm(now + currentRto());
    }

    void stop() {
        deadline.disarm();
    }

    boolean isArmed() {
        return deadline.armed();
    }

    /** The earlier of {@code other} and this timer's deadline when armed. */
    long earliest(long other) {
        return deadline.earliest(other);
    }

    boolean expired(long now) {
        return deadline.due(now);
    }
}
