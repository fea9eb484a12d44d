package dev.pinhole.netstack.tcp;

/**
 * One timer of an endpoint: armed or not, and when it fires, in ticker nanoseconds. Ticker times may wrap, so they
 * are compared by difference. The endpoint's five timers (retransmission, persist, delayed ACK, TIME_WAIT; keepalive
 * is computed from the last segment received) each hold one.
 */
final class Deadline {
    private boolean armed;
    private long at;

    void arm(long at) {
        this.armed = true;
        this.at = at;
    }

    void disarm() {
        armed = false;
    }

    boolean armed() {
        return armed;
    }

    long at() {
        return at;
    }

    /** Armed and reached at {@code now}. */
    boolean due(long now) {
        return armed && now - at >= 0;
    }

    /** The earlier of {@code deadline} and this one when armed. */
    long earliest(long deadline) {
        return armed ? earlier(deadline, at) : deadline;
    }

    /** The earlier of two ticker times, {@link TcpEndpoint#NO_DEADLINE} standing for none. */
    static long earlier(long current, long candidate) {
        return current == TcpEndpoint.NO_DEADLINE || candidate - current < 0 ? candidate : current;
    }
}
