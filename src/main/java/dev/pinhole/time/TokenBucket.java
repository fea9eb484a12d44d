package dev.pinhole.time;

/**
 * A token bucket over nanoseconds of a monotonic clock: {@code perSecond} tokens a second, at most {@code burst}
 * at once. Time that seems to run backwards (timestamps taken before the lock, arriving out of order) credits
 * nothing and never moves the refill mark back, so it cannot be counted twice. Not thread-safe: the owner locks.
 */
public final class TokenBucket {
    private static final long SECOND = 1_000_000_000L;

    private final long costNanos;
    private final long maxTokens;
    private long tokens;
    private long lastRefillNanos;
    private boolean refilledAny;

    public TokenBucket(int perSecond, int burst) {
        if (perSecond <= 0 || burst <= 0) {
            throw new IllegalArgumentException("rate and burst must be positive: " + perSecond + "/s, " + burst);
        }
        this.costNanos = SECOND / perSecond;
        this.maxTokens = costNanos * burst;
        this.tokens = maxTokens;
    }

    /** Whether a token is there now (refilling first); takes nothing. */
    public boolean available(long now) {
        refill(now);
        return tokens >= costNanos;
    }

    /** Takes a token if there is one. */
    public boolean take(long now) {
        refill(now);
        if (tokens >= costNanos) {
            tokens -= costNanos;
            return true;
        }
        return false;
    }

    /** Whether the bucket has refilled to its burst: the same as a bucket never used, so its holder may drop it. */
    public boolean full(long now) {
        refill(now);
        return tokens >= maxTokens;
    }

    private void refill(long now) {
        if (!refilledAny) {
            refilledAny = true;
            lastRefillNanos = now;
            return;
        }
        if (now <= lastRefillNanos) {
            return;
        }
        long elapsed = now - lastRefillNanos;
        tokens = elapsed >= maxTokens - tokens ? maxTokens : tokens + elapsed;
        lastRefillNanos = now;
    }
}
