package dev.pinhole.wireguard;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Session recovery attempts by outcome; the connector reads them into its metrics. */
public final class RecoveryCounters {
    private final LongAdder[] counts = new LongAdder[RecoveryOutcome.values().length];

    RecoveryCounters() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void count(RecoveryOutcome outcome) {
        counts[outcome.ordinal()].increment();
    }

    public long get(RecoveryOutcome outcome) {
        return counts[outcome.ordinal()].sum();
    }

    /** A snapshot of the non-zero counts. */
    public Map<RecoveryOutcome, Long> snapshot() {
        Map<RecoveryOutcome, Long> m = new EnumMap<>(RecoveryOutcome.class);
        for (RecoveryOutcome o : RecoveryOutcome.values()) {
            long v = get(o);
            if (v != 0) {
                m.put(o, v);
            }
        }
        return m;
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
