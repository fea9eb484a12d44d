package dev.pinhole.operator.ipset;

import dev.pinhole.api.IPSet;
import dev.pinhole.ipset.IpSet;
import dev.pinhole.ipset.IpSetBuilder;
import dev.pinhole.ipset.feed.FeedSourceState;
import dev.pinhole.operator.ConditionTypes.Reason;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The prefixes an IPSet's sources give, for one reconcile: the set being reconciled refreshes its sources (which
 * starts the fetches that are due); a set it includes is only read (its own reconcile fetches), from the refresher
 * or, before that set's first reconcile since the operator started, from its persisted cache. A source that has
 * never had a good list fails the set: a list with a vendor's ranges missing is never published as Ready.
 */
final class SourceLists implements Function<IPSet, IpSetResolution> {
    private final IPSet root;
    private final SourcePlans plans;
    private final FeedRefresher refresher;
    private final Function<IPSet, Optional<ConfigMap>> caches;
    private final Optional<FeedCacheSeal> seal;
    private final Instant now;
    private List<FeedRefresher.SourceView> rootViews = List.of();
    private Optional<FeedCache.Rejection> rootCacheRejected = Optional.empty();
    private boolean waitingForKey;

    /**
     * {@code seal}: the operator's cache key, empty while it cannot be read (then nothing is restored, fetched or
     * started: a set with sources waits, see {@link #waitingForKey()}, so a failed read of the key never costs the
     * persisted lists).
     */
    SourceLists(IPSet root, SourcePlans plans, FeedRefresher refresher,
            Function<IPSet, Optional<ConfigMap>> caches, Optional<FeedCacheSeal> seal, Instant now) {
        this.root = root;
        this.plans = plans;
        this.refresher = refresher;
        this.caches = caches;
        this.seal = seal;
        this.now = now;
    }

    /**
     * Whether a set with sources was reached while the cache key could not be read: nothing was started for it, and
     * the reconcile should write nothing and look again soon (a source started now would never restore its cache:
     * a restore happens only when a source is new to the refresher).
     */
    boolean waitingForKey() {
        return waitingForKey;
    }

    /** Why the reconciled set's cache was ignored, when it was read this reconcile and did not check out. */
    Optional<FeedCache.Rejection> cacheRejected() {
        return rootCacheRejected;
    }

    private FeedCache.Restored restore(IPSet set) {
        return seal.map(s -> FeedCache.read(caches.apply(set), set, s, now)).orElse(FeedCache.Restored.NONE);
    }

    /** Whether the set follows any feed. */
    static boolean hasSources(IPSet set) {
        return set.getSpec() != null && set.getSpec().getSources() != null && !set.getSpec().getSources().isEmpty();
    }

    /** The reconciled set's sources as the refresher had them (empty before {@link #apply} reached it). */
    List<FeedRefresher.SourceView> rootViews() {
        return rootViews;
    }

    /**
     * Whether a source of the reconciled set is still on its first fetch (no list, no failure yet): the set has
     * not resolved yet, as a set whose reconcile has not run (see IPSetReconciler).
     */
    boolean awaitingFirstFetch() {
        return rootViews.stream().anyMatch(v -> v.state().lastGood().isEmpty() && v.state().lastError().isEmpty());
    }

    @Override
    public IpSetResolution apply(IPSet set) {
        if (!hasSources(set)) {
            return new IpSetResolution.Resolved(IpSet.builder().build());
        }
        if (seal.isEmpty()) {
            waitingForKey = true;
            return new IpSetResolution.Failed(Reason.SOURCE_UNAVAILABLE, "waiting for the feed cache key Secret"
                    + " (it could not be read) before restoring or fetching spec.sources");
        }
        SourcePlans.Result result = plans.plan(set.getSpec().getSources());
        if (result instanceof SourcePlans.Invalid invalid) {
            return new IpSetResolution.Failed(Reason.INVALID_SOURCE, invalid.problem().toString());
        }
        List<SourcePlan> planned = ((SourcePlans.Planned) result).plans();
        SetKey key = SetKey.of(set);
        if (set == root) {
            // Read (check the seal, inflate, parse) only when a source is new to the refresher: after a restart.
            FeedCache.Restored[] restored = new FeedCache.Restored[1];
            rootViews = refresher.refresh(key, planned, request -> {
                if (restored[0] == null) {
                    restored[0] = restore(set);
                    rootCacheRejected = restored[0].rejected();
                }
                return Optional.ofNullable(restored[0].lists().get(FeedCache.key(request)));
            });
            for (FeedRefresher.SourceView view : rootViews) {
                if (view.overBudget().isPresent() && view.state().lastGood().isEmpty()) {
                    return new IpSetResolution.Failed(Reason.SOURCES_OVER_BUDGET, "spec.sources["
                            + view.plan().index() + "] (" + view.plan().request().name() + "): "
                            + view.overBudget().get());
                }
            }
            return prefixes(planned, rootViews.stream().map(FeedRefresher.SourceView::state).toList());
        }
        Optional<List<FeedSourceState>> known = refresher.peek(key, planned);
        if (known.isPresent()) {
            return prefixes(planned, known.get());
        }
        Map<String, FeedCache.Entry> restored = restore(set).lists();
        IpSetBuilder builder = IpSet.builder();
        for (SourcePlan plan : planned) {
            FeedCache.Entry entry = restored.get(FeedCache.key(plan.request()));
            if (entry == null) {
                return unavailable(plan, "not fetched yet");
            }
            entry.list().content().prefixes().forEach(builder::add);
        }
        return new IpSetResolution.Resolved(builder.build());
    }

    private static IpSetResolution prefixes(List<SourcePlan> planned, List<FeedSourceState> states) {
        IpSetBuilder builder = IpSet.builder();
        for (int i = 0; i < planned.size(); i++) {
            FeedSourceState state = states.get(i);
            if (state.lastGood().isEmpty()) {
                return unavailable(planned.get(i), state.lastError().orElse("first fetch under way"));
            }
            state.lastGood().get().content().prefixes().forEach(builder::add);
        }
        return new IpSetResolution.Resolved(builder.build());
    }

    private static IpSetResolution.Failed unavailable(SourcePlan plan, String why) {
        return new IpSetResolution.Failed(Reason.SOURCE_UNAVAILABLE, "spec.sources[" + plan.index() + "] ("
                + plan.request().name() + "): no list yet: " + why);
    }
}
