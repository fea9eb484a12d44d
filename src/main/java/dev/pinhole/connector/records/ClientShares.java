package dev.pinhole.connector.records;

import dev.pinhole.time.KeyedBuckets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;

/**
 * Each client's share of the record path, so one client churning short flows or lookups cannot crowd the others'
 * records out of the queue: flow and lookup records per client through a token bucket ({@link #PER_SECOND} after a
 * burst of {@link #BURST}); refusal records per client and reason through their own ({@code refusalsPerSecond} after
 * {@link RecordSettings#REFUSAL_BURST}). What a client had over its share is counted (flows with their bytes) and
 * told by summary lines ({@link SummaryRecord}): flows and lookups every {@link #SUMMARY_NANOS}, refusals in the next
 * refusal line of that client and reason or, when its bucket recovers, in a summary. Bounded: at most
 * {@link #MAX_CLIENTS} clients per table, least recently seen out first (what an evicted one held is summarised).
 * Owned by one thread (the relay loop's).
 */
public final class ClientShares {
    /** Flow and lookup records a client may cause per second once its burst is spent. */
    public static final int PER_SECOND = 100;
    /** Flow and lookup records a client may cause at once. */
    public static final int BURST = 1_000;
    /** How often the flows and lookups left out are summarised. */
    public static final long SUMMARY_NANOS = 10_000_000_000L;
    /**
     * Clients with a bucket (or a tally) at once, per table: as many as a connector may have (ConfigCheck's bound),
     * so no configured client's overflow goes untold; records come only from authenticated clients.
     */
    static final int MAX_CLIENTS = 8_192;

    /** Where summaries go: the caller makes the line (it knows the client's key and endpoint). */
    @FunctionalInterface
    public interface Summaries {
        void summary(String client, RecordKind of, String reason, long count, long bytesFromClient,
                     long bytesToClient);
    }

    /** What one client had left out since the last summary. */
    private static final class Tally {
        final long sinceNanos;
        long flows;
        long lookups;
        long bytesFromClient;
        long bytesToClient;

        Tally(long sinceNanos) {
            this.sinceNanos = sinceNanos;
        }
    }

    private final KeyedBuckets<String> shares = new KeyedBuckets<>(PER_SECOND, BURST, MAX_CLIENTS,
            KeyedBuckets.WhenFull.EVICT_LEAST_RECENT);
    private final Map<String, Tally> left = new HashMap<>();
    /** Refusal buckets, one table per reason (a fixed set of enum constants): no key object per refusal. */
    private final Map<Object, KeyedBuckets<String>> refusals = new HashMap<>();
    /** Refusals an evicted or re-rated bucket still held, until the next sweep summarises them. */
    private final Map<Object, Map<String, Long>> refusalsHeld = new HashMap<>();
    private int refusalsPerSecond;

    public ClientShares(int refusalsPerSecond) {
        this.refusalsPerSecond = refusalsPerSecond;
    }

    /** Whether a flow record of {@code client} may be written; when not, it is tallied with its bytes. */
    public boolean admitFlow(String client, long bytesFromClient, long bytesToClient, long now) {
        if (shares.allow(client, now)) {
            return true;
        }
        Tally t = tally(client, now);
        if (t != null) {
            t.flows++;
            t.bytesFromClient += bytesFromClient;
            t.bytesToClient += bytesToClient;
        }
        return false;
    }

    /** Whether a lookup record of {@code client} may be written; when not, it is tallied. */
    public boolean admitLookup(String client, long now) {
        if (shares.allow(client, now)) {
            return true;
        }
        Tally t = tally(client, now);
        if (t != null) {
            t.lookups++;
        }
        return false;
    }

    private Tally tally(String client, long now) {
        Tally t = left.get(client);
        if (t == null && left.size() < MAX_CLIENTS) {
            t = new Tally(now);
            left.put(client, t);
        }
        return t;
    }

    /**
     * Whether a refusal record of {@code client} for {@code reason} may be written at {@code now}: -1 when not
     * (counted), else how many of these refusals were left out before this one. Allocates nothing for a known
     * client and reason, so a flood of refused packets costs no garbage before it is known to be unwanted.
     *
     * @param reason any value with identity equality for the same reason (an enum constant)
     */
    public long admitRefusal(String client, Object reason, long now) {
        KeyedBuckets<String> table = refusals.get(reason);
        if (table == null) {
            table = new KeyedBuckets<>(refusalsPerSecond, RecordSettings.REFUSAL_BURST, MAX_CLIENTS,
                    KeyedBuckets.WhenFull.EVICT_LEAST_RECENT, (c, n) -> hold(reason, c, n));
            refusals.put(reason, table);
        }
        return table.admit(client, now);
    }

    private void hold(Object reason, String client, long n) {
        Map<String, Long> held = refusalsHeld.computeIfAbsent(reason, r -> new HashMap<>());
        if (held.size() < MAX_CLIENTS || held.containsKey(client)) {
            held.merge(client, n, Long::sum);
        }
    }

    /** A new refusal rate: the buckets start over, full; what they held is summarised at the next sweep. */
    public void refusalRate(int perSecond) {
        if (perSecond != refusalsPerSecond) {
            refusalsPerSecond = perSecond;
            for (Map.Entry<Object, KeyedBuckets<String>> e : refusals.entrySet()) {
                Object reason = e.getKey();
                e.getValue().rate(perSecond, (c, n) -> hold(reason, c, n));
            }
        }
    }

    /**
     * Housekeeping (every second or so): summarises the refusals of every bucket that recovered (and of evicted
     * ones), forgets refilled buckets, and summarises the flows and lookups a client had left out once the first of
     * them is {@link #SUMMARY_NANOS} old.
     *
     * @param all         summarise every tally now, due or not (the pod stopping)
     * @param reasonLabel the reason's spelling in a record
     */
    public void sweep(long now, boolean all, Summaries out, Function<Object, String> reasonLabel) {
        for (Map.Entry<Object, KeyedBuckets<String>> e : refusals.entrySet()) {
            Object reason = e.getKey();
            e.getValue().sweep(now, (c, n) -> hold(reason, c, n));
        }
        for (Map.Entry<Object, Map<String, Long>> e : refusalsHeld.entrySet()) {
            String label = reasonLabel.apply(e.getKey());
            for (Map.Entry<String, Long> c : e.getValue().entrySet()) {
                out.summary(c.getKey(), RecordKind.REFUSAL, label, c.getValue(), 0, 0);
            }
        }
        refusalsHeld.clear();
        shares.sweep(now);
        for (Iterator<Map.Entry<String, Tally>> it = left.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Tally> e = it.next();
            Tally t = e.getValue();
            if (all || now - t.sinceNanos >= SUMMARY_NANOS) {
                if (t.flows > 0) {
                    out.summary(e.getKey(), RecordKind.FLOW, null, t.flows, t.bytesFromClient, t.bytesToClient);
                }
                if (t.lookups > 0) {
                    out.summary(e.getKey(), RecordKind.LOOKUP, null, t.lookups, 0, 0);
                }
                it.remove();
            }
        }
    }

    /** Clients with a refusal bucket for {@code reason} now (tests: the bound). */
    int refusalClients(Object reason) {
        KeyedBuckets<String> table = refusals.get(reason);
        return table == null ? 0 : table.keys();
    }
}
