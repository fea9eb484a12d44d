package dev.pinhole.budget;

import java.util.EnumMap;
import java.util.Map;

/** One client's share of the {@link ResourceBudget}: an {@link Allowance} per resource, charged to the total too. */
public final class ClientBudget {
    private final String client;
    private final ResourceBudget budget;
    private final Map<Resource, Tally> own = new EnumMap<>(Resource.class);
    private final Map<Resource, Allowance> allowances = new EnumMap<>(Resource.class);

    ClientBudget(String client, ResourceBudget budget, Map<Resource, Quota> quotas) {
        this.client = client;
        this.budget = budget;
        for (Resource r : Resource.values()) {
            own.put(r, new Tally(quotas.get(r).perClient()));
            allowances.put(r, new Share(r));
        }
    }

    void limits(Map<Resource, Quota> quotas) {
        quotas.forEach((r, q) -> own.get(r).limit(q.perClient()));
    }

    public String client() {
        return client;
    }

    /** This client's allowance for {@code resource}. */
    public Allowance allowance(Resource resource) {
        return allowances.get(resource);
    }

    /**
     * This client's allowance for {@code resource} that never takes the last {@code headroom} of it (of the
     * client's share or of the total): what one use may not starve another of, e.g. TCP send buffers leaving room
     * for receive buffers, so a new flow can always take in the client's first bytes.
     */
    public Allowance allowanceLeaving(Resource resource, long headroom) {
        Allowance all = allowances.get(resource);
        return new Allowance() {
            @Override
            public boolean tryAcquire(long amount) {
                return amount <= available() && all.tryAcquire(amount);
            }

            @Override
            public void release(long amount) {
                all.release(amount);
            }

            @Override
            public long available() {
                return Math.max(0, all.available() - headroom);
            }

            @Override
            public String toString() {
                return all + " leaving " + headroom;
            }
        };
    }

    /** In use by this client now. */
    public long used(Resource resource) {
        return own.get(resource).used();
    }

    /** The client's tally and the connector's total, taken together or not at all. */
    private final class Share implements Allowance {
        private final Resource resource;

        Share(Resource resource) {
            this.resource = resource;
        }

        @Override
        public boolean tryAcquire(long amount) {
            Tally mine = own.get(resource);
            if (!mine.tryAdd(amount)) {
                budget.refused(resource);
                return false;
            }
            if (!budget.total(resource).tryAdd(amount)) {
                mine.subtract(amount);
                budget.refused(resource);
                return false;
            }
            return true;
        }

        @Override
        public void release(long amount) {
            own.get(resource).subtract(amount);
            budget.total(resource).subtract(amount);
        }

        @Override
        public long available() {
            return Math.min(own.get(resource).available(), budget.total(resource).available());
        }

        @Override
        public String toString() {
            return client + "/" + resource.label();
        }
    }
}
