package dev.pinhole.connector;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Per-client counters for /status, keyed by client name so they survive config reloads. */
final class ClientCounters {
    /** One client's counts. */
    static final class Counts {
        final LongAdder packetsIn = new LongAdder();
        final LongAdder drops = new LongAdder();
        final LongAdder flowsOpened = new LongAdder();
    }

    private final ConcurrentHashMap<String, Counts> byName = new ConcurrentHashMap<>();

    Counts of(String clientName) {
        return byName.computeIfAbsent(clientName, n -> new Counts());
    }
}
