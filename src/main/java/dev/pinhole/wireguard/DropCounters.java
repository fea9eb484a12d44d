package dev.pinhole.wireguard;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Drop counts by reason; the connector reads them into its metrics (e.g. Micrometer FunctionCounters). */
public final class DropCounters {
    private final LongAdder[] counts = new LongAdder[DropReason.values().length];

    public DropCounters() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void count(DropReason reason) {
        counts[reason.ordinal()].increment();
    }

    public long get(DropReason reason) {
        return counts[reason.ordinal()].sum();
    }

    public long total() {
        long t = 0;
        for (LongAdder a : counts) {
            t += a.sum();
        }
        return t;
    }

    /** A snapshot of the non-zero counts. */
    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        for (DropReason r : DropReason.values()) {
            long v = get(r);
            if (v != 0) {
                m.put(r, v);
            }
        }
        return m;
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
