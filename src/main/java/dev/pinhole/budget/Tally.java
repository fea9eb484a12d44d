package dev.pinhole.budget;

import java.util.concurrent.atomic.AtomicLong;

/** A count of one resource in use against a limit that can change; thread-safe, never above the limit it grants. */
final class Tally {
    private final AtomicLong used = new AtomicLong();
    private volatile long limit;

    Tally(long limit) {
        this.limit = limit;
    }

    void limit(long newLimit) {
        this.limit = newLimit;
    }

    long limit() {
        return limit;
    }

    long used() {
        return used.get();
    }

    boolean tryAdd(long amount) {
        while (true) {
            long now = used.get();
            if (now + amount > limit) {
                return false;
            }
            if (used.compareAndSet(now, now + amount)) {
                return true;
            }
        }
    }

    void subtract(long amount) {
        long after = used.addAndGet(-amount);
        if (after < 0) {
            // A release without its acquire is a caller's bug (unit tests check every path balances); clamp so
            // it cannot turn into credit beyond the limit, and do not throw on the release paths of a worker.
            used.compareAndSet(after, 0);
        }
    }

    long available() {
        return Math.max(0, limit - used.get());
    }
}
