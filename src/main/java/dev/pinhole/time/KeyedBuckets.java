package dev.pinhole.time;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded table of {@link TokenBucket}s, one per key (a source address, a client, a client and reason), each
 * counting what it refused since it last admitted. At most {@code maxKeys} keys: when full, a new key is either
 * refused ({@link WhenFull#REFUSE_NEW}: known keys keep their buckets, an attacker cannot flush them) or takes the
 * place of the least recently used key ({@link WhenFull#EVICT_LEAST_RECENT}: every key is served, the oldest state is
 * lost). {@link #sweep} forgets buckets that refilled: a new bucket would behave the same. Not thread-safe: the owner
 * locks or keeps it on one thread.
 */
public final class KeyedBuckets<K> {
    /** What a full table does with a key it does not hold. */
    public enum WhenFull { REFUSE_NEW, EVICT_LEAST_RECENT }

    /** Reports a key whose bucket refilled while it still held refusals, as the key leaves the table. */
    @FunctionalInterface
    public interface Recovered<K> {
        void recovered(K key, long refused);
    }

    /** One key's bucket and the refusals since its last admission. */
    private static final class Slot {
        final TokenBucket bucket;
        long refused;

        Slot(TokenBucket bucket) {
            this.bucket = bucket;
        }
    }

    private final int burst;
    private final int maxKeys;
    private final WhenFull whenFull;
    private final LinkedHashMap<K, Slot> slots;
    private final Recovered<K> evicted;
    private int perSecond;
    private long refusedForFullTable;

    /** A table that refuses new keys when full, or evicts without telling. */
    public KeyedBuckets(int perSecond, int burst, int maxKeys, WhenFull whenFull) {
        this(perSecond, burst, maxKeys, whenFull, (k, n) -> { });
    }

    /**
     * @param evicted told of an evicted key that still held refusals, so what it left out is not lost silently
     */
    public KeyedBuckets(int perSecond, int burst, int maxKeys, WhenFull whenFull, Recovered<K> evicted) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be positive: " + maxKeys);
        }
        new TokenBucket(perSecond, burst); // checks rate and burst up front, not at the first key
        this.perSecond = perSecond;
        this.burst = burst;
        this.maxKeys = maxKeys;
        this.whenFull = whenFull;
        this.evicted = evicted;
        // Access order only when evicting: the least recently used key is the eldest.
        this.slots = new LinkedHashMap<>(64, 0.75f, whenFull == WhenFull.EVICT_LEAST_RECENT);
    }

    /** Whether {@code key} may have one now. */
    public boolean allow(K key, long now) {
        return admit(key, now) >= 0;
    }

    /**
     * Takes a token of {@code key}'s bucket: -1 when there is none (counted as refused for the key), else how many
     * it refused before this admission (then reset), so the caller can say how many were left out.
     */
    public long admit(K key, long now) {
        Slot slot = slots.get(key);
        if (slot == null) {
            if (slots.size() >= maxKeys) {
                if (whenFull == WhenFull.REFUSE_NEW) {
                    refusedForFullTable++;
                    return -1;
                }
                Iterator<Map.Entry<K, Slot>> eldest = slots.entrySet().iterator();
                Map.Entry<K, Slot> e = eldest.next();
                eldest.remove();
                if (e.getValue().refused > 0) {
                    evicted.recovered(e.getKey(), e.getValue().refused);
                }
            }
            slot = new Slot(new TokenBucket(perSecond, burst));
            slots.put(key, slot);
        }
        if (!slot.bucket.take(now)) {
            slot.refused++;
            return -1;
        }
        long refused = slot.refused;
        slot.refused = 0;
        return refused;
    }

    /** A new rate: every bucket starts over, full, at it (the refusals they held are reported as recovered). */
    public void rate(int newPerSecond, Recovered<K> recovered) {
        if (newPerSecond == perSecond) {
            return;
        }
        new TokenBucket(newPerSecond, burst);
        perSecond = newPerSecond;
        for (Map.Entry<K, Slot> e : slots.entrySet()) {
            if (e.getValue().refused > 0) {
                recovered.recovered(e.getKey(), e.getValue().refused);
            }
        }
        slots.clear();
    }

    /**
     * Forgets every bucket that refilled to its burst; one that refused something since its last admission is
     * reported to {@code recovered} first, so what it left out is told even when the key never comes back.
     */
    public void sweep(long now, Recovered<K> recovered) {
        for (Iterator<Map.Entry<K, Slot>> it = slots.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<K, Slot> e = it.next();
            Slot slot = e.getValue();
            if (slot.bucket.full(now)) {
                if (slot.refused > 0) {
                    recovered.recovered(e.getKey(), slot.refused);
                }
                it.remove();
            }
        }
    }

    /** Forgets every bucket that refilled, without reporting. */
    public void sweep(long now) {
        sweep(now, (k, n) -> { });
    }

    /** Keys with a bucket now. */
    public int keys() {
        return slots.size();
    }

    /** New keys refused because the table was full ({@link WhenFull#REFUSE_NEW}). */
    public long refusedForFullTable() {
        return refusedForFullTable;
    }
}
