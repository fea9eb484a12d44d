package dev.pinhole.wireguard;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A token bucket per source address (IPv6 by /64) for handshake messages while under load: {@code rate} per second
 * with a burst of {@code burst}. Idle buckets are swept on tick; the table is bounded, and when full a new source
 * is refused rather than evicting a known one.
 */
final class SourceRateLimiter {
    private static final long SECOND = 1_000_000_000L;
    private static final int MAX_SOURCES = 1 << 16;

    private static final class Bucket {
        long tokens;
        long lastNanos;
    }

    private final long costNanos;
    private final long maxTokens;
    private final Map<Long, Bucket> buckets = new HashMap<>();

    SourceRateLimiter(int perSecond, int burst) {
        this.costNanos = SECOND / perSecond;
        this.maxTokens = costNanos * burst;
    }

    synchronized boolean allow(InetAddress source, long now) {
        Long key = key(source.getAddress());
        Bucket b = buckets.get(key);
        if (b == null) {
            if (buckets.size() >= MAX_SOURCES) {
                return false;
            }
            b = new Bucket();
            b.tokens = maxTokens - costNanos;
            b.lastNanos = now;
            buckets.put(key, b);
            return true;
        }
        b.tokens = Math.min(maxTokens, b.tokens + (now - b.lastNanos));
        b.lastNanos = now;
        if (b.tokens >= costNanos) {
            b.tokens -= costNanos;
            return true;
        }
        return false;
    }

    synchronized void sweep(long now) {
        for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
            if (now - it.next().lastNanos > SECOND) {
                it.remove();
            }
        }
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
