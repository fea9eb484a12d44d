package dev.pinhole.wireguard;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Drop counts by reason; the connector reads them into its metrics (e.g. Micrometer FunctionCounters). */
public final class WireGuardDropCounters {
    private final LongAdder[] counts = new LongAdder[WireGuardDropReason.values().length];

    public WireGuardDropCounters() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void count(WireGuardDropReason reason) {
        counts[reason.ordinal()].increment();
    }

    public long get(WireGuardDropReason reason) {
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
    public Map<WireGuardDropReason, Long> snapshot() {
        Map<WireGuardDropReason, Long> m = new EnumMap<>(WireGuardDropReason.class);
        for (WireGuardDropReason r : WireGuardDropReason.values()) {
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
