package dev.pinhole.budget;

/**
 * A holder's share of one bounded resource: acquire before use, release exactly what was acquired when done.
 * Over the share, {@link #tryAcquire} takes nothing and returns false; the caller refuses or waits, it never
 * overdraws. Implementations are thread-safe.
 */
public interface Allowance {
    /** Takes {@code amount} (positive) if it fits; false, and nothing taken, if not. */
    boolean tryAcquire(long amount);

    /** Gives back {@code amount} previously acquired. */
    void release(long amount);

    /** How much {@link #tryAcquire} would grant now (a snapshot). */
    long available();

    /** No bound at all (tests, and callers that bound the resource some other way). */
    Allowance UNLIMITED = new Allowance() {
        @Override
        public boolean tryAcquire(long amount) {
            return true;
        }

        @Override
        public void release(long amount) {
        }

        @Override
        public long available() {
            return Long.MAX_VALUE;
        }

        @Override
        public String toString() {
            return "unlimited";
        }
    };
}
