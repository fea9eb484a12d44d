package dev.pinhole.connector.records;

import dev.pinhole.time.TokenBucket;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Refusal records per client and reason at a bounded rate: a token bucket each ({@link RecordSettings#REFUSAL_BURST}
 * at once, then the configured rate), so a scan from one client writes a few lines a second whatever it sends, and
 * the next line written says how many were left out. The table is bounded: at most {@link #MAX_CLIENTS} clients
 * (least recently refused first out; a client's buckets are one per reason, a fixed set) and buckets that refilled
 * are forgotten by {@link #sweep}. Owned by one thread (the relay loop's).
 */
public final class RefusalLimiter {
    /** Clients whose buckets are kept at once. */
    static final int MAX_CLIENTS = 1_024;

    /** One client and reason: its bucket and the refusals left out since its last record. */
    private static final class ReasonBucket {
        final TokenBucket bucket;
        long suppressed;

        ReasonBucket(TokenBucket bucket) {
            this.bucket = bucket;
        }
    }

    private final LinkedHashMap<String, Map<Object, ReasonBucket>> byClient = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<Object, ReasonBucket>> eldest) {
            return size() > MAX_CLIENTS;
        }
    };
    private int perSecond;

    public RefusalLimiter(int perSecond) {
        this.perSecond = perSecond;
    }

    /** A new rate: the buckets start over (full) at it. */
    public void rate(int newPerSecond) {
        if (newPerSecond != perSecond) {
            perSecond = newPerSecond;
            byClient.clear();
        }
    }

    /**
     * Whether a record for {@code client}'s refusal for {@code reason} may be written at {@code now}: -1 when not
     * (counted as suppressed), else how many of these refusals were left out before this one.
     *
     * @param reason any value with identity equality for the same reason (an enum constant)
     */
    public long admit(String client, Object reason, long now) {
        Map<Object, ReasonBucket> reasons = byClient.computeIfAbsent(client, c -> new HashMap<>(4));
        ReasonBucket e = reasons.get(reason);
        if (e == null) {
            e = new ReasonBucket(new TokenBucket(perSecond, RecordSettings.REFUSAL_BURST));
            reasons.put(reason, e);
        }
        if (!e.bucket.take(now)) {
            e.suppressed++;
            return -1;
        }
        long left = e.suppressed;
        e.suppressed = 0;
        return left;
    }

    /** Forgets buckets that refilled with nothing left out: they would behave as new ones. */
    public void sweep(long now) {
        for (Iterator<Map<Object, ReasonBucket>> clients = byClient.values().iterator(); clients.hasNext(); ) {
            Map<Object, ReasonBucket> reasons = clients.next();
            reasons.values().removeIf(e -> e.suppressed == 0 && e.bucket.full(now));
            if (reasons.isEmpty()) {
                clients.remove();
            }
        }
    }

    /** Clients with buckets now (tests: the bound). */
    public int clients() {
        return byClient.size();
    }
}
