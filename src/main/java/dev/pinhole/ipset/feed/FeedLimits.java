package dev.pinhole.ipset.feed;

/**
 * What one feed body may cost: its size in bytes and the number of prefixes it may yield. A body or list over
 * either is refused as a whole (a truncated list would silently drop ranges).
 */
public record FeedLimits(int maxBodyBytes, int maxPrefixes) {
    /** AWS's ip-ranges.json, the largest preset feed, is about 2 MiB with about 10,000 prefixes (2026). */
    public static final FeedLimits DEFAULT = new FeedLimits(8 * 1024 * 1024, 50_000);

    public FeedLimits {
        if (maxBodyBytes <= 0 || maxPrefixes <= 0) {
            throw new IllegalArgumentException("feed limits must be positive");
        }
    }
}
