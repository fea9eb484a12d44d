package dev.pinhole.wireguard;

/**
 * A sliding anti-replay window over 64-bit counters (RFC 6479): a ring of 64-bit blocks, 8128 counters wide, so
 * reordering of up to 8128 packets is tolerated. Counters are unsigned 64-bit values held in {@code long}s.
 */
final class ReplayWindow {
    private static final int BLOCK_BITS = 64;
    private static final int RING_BLOCKS = 128;
    private static final int BLOCK_MASK = RING_BLOCKS - 1;
    static final long WINDOW_SIZE = (long) (RING_BLOCKS - 1) * BLOCK_BITS;

    private final long[] ring = new long[RING_BLOCKS];
    private long last;

    /**
     * Read-only pre-check before decrypting: false when {@code counter} would certainly be refused, so replays
     * cost no decryption. Only {@link #accept} (after authentication) moves the window.
     */
    synchronized boolean couldAccept(long counter, long limit) {
        if (Long.compareUnsigned(counter, limit) >= 0) {
            return false;
        }
        if (Long.compareUnsigned(counter, last) > 0) {
            return true;
        }
        if (last - counter > WINDOW_SIZE) {
            return false;
        }
        return (ring[(int) ((counter >>> 6) & BLOCK_MASK)] & (1L << (counter & 63))) == 0;
    }

    /**
     * Accepts {@code counter} once: false when it was already seen, is too old for the window, or is at or past
     * {@code limit} (unsigned).
     */
    synchronized boolean accept(long counter, long limit) {
        if (Long.compareUnsigned(counter, limit) >= 0) {
            return false;
        }
        long block = counter >>> 6;
        if (Long.compareUnsigned(counter, last) > 0) {
            long current = last >>> 6;
            long diff = Math.min(block - current, RING_BLOCKS);
            for (long i = 1; i <= diff; i++) {
                ring[(int) ((current + i) & BLOCK_MASK)] = 0;
            }
            last = counter;
        } else if (last - counter > WINDOW_SIZE) {
            return false;
        }
        int idx = (int) (block & BLOCK_MASK);
        long bit = 1L << (counter & 63);
        long old = ring[idx];
        ring[idx] = old | bit;
        return (old & bit) == 0;
    }
}
