package dev.pinhole.budget;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The connector's resource budget: per resource, one tally for everyone and one per client. A client's
 * {@link Allowance} charges both, so a client is refused when it reaches its own share or when the connector is
 * full, whichever comes first; refusals are counted per resource. New quotas apply to new acquisitions; what is
 * held above a lowered quota is released as its holders finish. Thread-safe.
 */
public final class ResourceBudget {
    private final Map<Resource, Tally> totals = new EnumMap<>(Resource.class);
    private final Map<Resource, LongAdder> refusals = new EnumMap<>(Resource.class);
    private final Map<String, ClientBudget> clients = new ConcurrentHashMap<>();
    private volatile Map<Resource, Quota> quotas;

    public ResourceBudget(Map<Resource, Quota> quotas) {
        this.quotas = complete(quotas);
        for (Resource r : Resource.values()) {
            totals.put(r, new Tally(this.quotas.get(r).total()));
            refusals.put(r, new LongAdder());
        }
    }

    private static Map<Resource, Quota> complete(Map<Resource, Quota> quotas) {
        for (Resource r : Resource.values()) {
            if (!quotas.containsKey(r)) {
                throw new IllegalArgumentException("no quota for " + r.label());
            }
        }
        return Map.copyOf(quotas);
    }

    /** Applies new quotas (config reload). */
    public void quotas(Map<Resource, Quota> newQuotas) {
        Map<Resource, Quota> q = complete(newQuotas);
        this.quotas = q;
        q.forEach((r, quota) -> totals.get(r).limit(quota.total()));
        clients.values().forEach(c -> c.limits(q));
    }

    public Quota quota(Resource resource) {
        return quotas.get(resource);
    }

    /** The budget of the client named {@code name} (created on first use, kept across reloads). */
    public ClientBudget client(String name) {
        return clients.computeIfAbsent(name, n -> new ClientBudget(n, this, quotas));
    }

    /** In use by everyone now. */
    public long used(Resource resource) {
        return totals.get(resource).used();
    }

    /** Refusals so far, for the metric. */
    public long refusals(Resource resource) {
        return refusals.get(resource).sum();
    }

    Tally total(Resource resource) {
        return totals.get(resource);
    }

    void refused(Resource resource) {
        refusals.get(resource).increment();
    }
}
