package dev.pinhole.wireguard;

/**
 * Decides when the responder is "under load": more handshake messages in one second than the threshold. Load
 * state then lasts one more second after the last overloaded second (as wireguard-go's UnderLoadAfterTime).
 */
final class LoadMonitor {
    private static final long SECOND = 1_000_000_000L;
    private final int threshold;
    private long windowStart;
    private int count;
    private long underLoadUntil;
    private boolean started;
    /** Set at the first overloaded second: {@code underLoadUntil} means nothing before (nanoTime may be negative). */
    private boolean everLoaded;

    LoadMonitor(int handshakesPerSecond) {
        this.threshold = handshakesPerSecond;
    }

    /** Records one handshake message at {@code now} and says whether we are now under load. */
    synchronized boolean recordAndCheck(long now) {
        if (!started || now - windowStart >= SECOND) {
            windowStart = now;
            count = 0;
            started = true;
        }
        count++;
        if (count > threshold) {
            underLoadUntil = now + SECOND;
            everLoaded = true;
        }
        return underLoad(now);
    }

    /** Whether we are under load at {@code now}, without recording anything. */
    synchronized boolean underLoad(long now) {
        return everLoaded && now - underLoadUntil < 0;
    }
}
