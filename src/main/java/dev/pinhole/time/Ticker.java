package dev.pinhole.time;

/** A monotonic nanosecond clock; protocol cores take one so tests can drive time by hand. */
@FunctionalInterface
public interface Ticker {
    /** Monotonic time in nanoseconds; only differences are meaningful. */
    long nanoTime();

    /** The JVM's monotonic clock. */
    static Ticker system() {
        return System::nanoTime;
    }
}
