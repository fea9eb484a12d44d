package dev.pinhole.wireguard;

import dev.pinhole.time.TokenBucket;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * A token bucket per source address (IPv6 by /64) for handshake messages while under load: {@code rate} per second
 * with a burst of {@code burst}. Buckets that have refilled are swept on tick (a new bucket would be the same); the
 * table is bounded, and when full a new source is refused rather than evicting a known one.
 */
final class SourceRateLimiter {
    private static final int MAX_SOURCES = 1 << 16;

    private final int perSecond;
    private final int burst;
    private final Map<Long, TokenBucket> buckets = new HashMap<>();

    SourceRateLimiter(int perSecond, int burst) {
        this.perSecond = perSecond;
        this.burst = burst;
    }

    synchronized boolean allow(InetAddress source, long now) {
        Long key = key(source.getAddress());
        TokenBucket bucket = buckets.get(key);
        if (bucket == null) {
            if (buckets.size() >= MAX_SOURCES) {
                return false;
            }
            bucket = new TokenBucket(perSecond, burst);
            buckets.put(key, bucket);
        }
        return bucket.take(now);
    }

    synchronized void sweep(long now) {
        buckets.values().removeIf(bucket -> bucket.full(now));
    }

    private static long key(byte[] ip) {
        long k = 0;
        int n = ip.length == 4 ? 4 : 8;
        for (int i = 0; i < n; i++) {
            k = (k << 8) | (ip[i] & 0xff);
        }
        return ip.length == 4 ? k | (1L << 40) : k;
    }
}
