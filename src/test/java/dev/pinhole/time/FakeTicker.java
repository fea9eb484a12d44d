package dev.pinhole.time;

import java.time.Duration;

/** A ticker that moves only when a test advances it. */
public final class FakeTicker implements Ticker {
    private long now;

    public FakeTicker() {
        this(1_000_000_000L);
    }

    public FakeTicker(long start) {
        this.now = start;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    public void advance(Duration d) {
        now += d.toNanos();
    }

    public void advanceMillis(long millis) {
        now += millis * 1_000_000L;
    }
}
