package dev.pinhole.netstack.packet;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** Thread-safe counts of dropped packets by {@link PacketDropReason}. */
public final class PacketDropCounters {
    private final AtomicLongArray counts = new AtomicLongArray(PacketDropReason.values().length);

    public void increment(PacketDropReason reason) {
        counts.incrementAndGet(reason.ordinal());
    }

    public long count(PacketDropReason reason) {
        return counts.get(reason.ordinal());
    }

    public long total() {
        long t = 0;
        for (int i = 0; i < counts.length(); i++) {
            t += counts.get(i);
        }
        return t;
    }

    /** A snapshot for metrics export. */
    public Map<PacketDropReason, Long> snapshot() {
        Map<PacketDropReason, Long> m = new EnumMap<>(PacketDropReason.class);
        for (PacketDropReason r : PacketDropReason.values()) {
            m.put(r, count(r));
        }
        return m;
    }
}
