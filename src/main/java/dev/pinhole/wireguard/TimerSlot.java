package dev.pinhole.wireguard;

/** One protocol timer as a deadline on the monotonic clock; it fires once per arming. */
final class TimerSlot {
    private boolean armed;
    private long deadline;

    void arm(long deadlineNanos) {
        armed = true;
        deadline = deadlineNanos;
    }

    void disarm() {
        armed = false;
    }

    boolean armed() {
        return armed;
    }

    /** True once when the deadline has passed; disarms itself. */
    boolean fire(long now) {
        if (armed && now - deadline >= 0) {
            armed = false;
            return true;
        }
        return false;
    }
}
