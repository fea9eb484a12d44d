package dev.pinhole.ipset.feed;

import java.time.Duration;

/**
 * How often a source is fetched and what it may do to the list: the refresh interval (bounded below), the
 * failure backoff (doubling from {@code backoffBase} up to the interval), the fraction a feed may shrink by in
 * one step before it is held back, and how old the last good list may grow before the source is stale.
 */
public record RefreshPolicy(Duration interval, Duration backoffBase, double maxShrink, Duration staleAfter) {
    /** Vendors publish a few times a day at most; anything faster only loads them (and us). */
    public static final Duration MIN_INTERVAL = Duration.ofMinutes(5);

    public RefreshPolicy {
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("refresh interval " + interval + " is below " + MIN_INTERVAL);
        }
        if (backoffBase.isNegative() || backoffBase.isZero() || backoffBase.compareTo(interval) > 0) {
            throw new IllegalArgumentException("backoff base must be positive and at most the interval");
        }
        if (!(maxShrink > 0 && maxShrink <= 1)) {
            throw new IllegalArgumentException("max shrink must be a fraction in (0, 1]");
        }
        if (staleAfter.compareTo(interval) < 0) {
            throw new IllegalArgumentException("stale-after must be at least the interval");
        }
    }

    /**
     * The first retry after a failure: a minute, not seconds (a vendor rate-limits: GitHub allows 60 unauthenticated
     * requests an hour per address), doubling up to the interval.
     */
    public static final Duration BACKOFF_BASE = Duration.ofMinutes(1);

    /** Backoff from a minute, hold back a loss of more than half, stale after 3 missed refreshes. */
    public static RefreshPolicy every(Duration interval) {
        return new RefreshPolicy(interval, BACKOFF_BASE, 0.5, interval.multipliedBy(3));
    }
}
