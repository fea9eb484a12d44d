package dev.pinhole.operator.ipset;

import dev.pinhole.ipset.feed.FeedContent;
import dev.pinhole.ipset.feed.FeedFetcher;
import dev.pinhole.ipset.feed.FeedLimits;
import dev.pinhole.ipset.feed.FeedParseException;
import dev.pinhole.ipset.feed.FeedRequest;
import dev.pinhole.ipset.feed.FeedSourceState;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Holds the state of every IPSet source and fetches the ones that are due on an executor of its own, so a slow or
 * silent feed holds one of its threads (up to the fetch deadline) and never a reconcile. A reconcile asks for its
 * sources' views; a source that is due and not already being fetched is queued; when a fetch ends the set is
 * told ({@code onChange}) and its next reconcile reads the new state. No thread or timer per source: when the
 * next fetch is due is the reconcile's {@code rescheduleAfter}.
 *
 * <p>Bounded per namespace ({@link FeedBudget}): a namespace follows at most so many sources (a source past it is
 * refused, with a view saying why, and asked again on later reconciles), and its sources hold at most so many
 * prefixes, each distinct list counted once (a list that would go over is refused like a failed fetch: the list in
 * force stays). Parsed lists are shared ({@link SharedLists}): sources reading one URL the same way hold one copy.
 *
 * <p>Threading: an entry's state changes only under the entry's lock, by the one fetch in flight for it or by a
 * reconcile creating or dropping it; reconciles of one set never overlap (the SDK's guarantee). A namespace's lock
 * is held while one of its entries is created or a fetch's list is judged against its budget and taken (entry
 * locks are taken inside it, never the other way round), so two sets of one namespace cannot both slip under it.
 */
public final class FeedRefresher {
    /** Steps kept per source between two reconciles (for events); older ones are dropped, not piled up. */
    static final int MAX_PENDING_STEPS = 8;

    /** Fetches one URL; {@link FeedFetcher#fetch} in production. */
    @FunctionalInterface
    public interface Fetch {
        FeedFetcher.Outcome fetch(URI url, FeedFetcher.Validators previous);
    }

    /** How soon a source refused for the sources budget is asked about again (a set elsewhere may have gone). */
    static final java.time.Duration OVER_BUDGET_RETRY = java.time.Duration.ofMinutes(1);

    /**
     * A source as a reconcile sees it: the state now, what happened to it since the last look, and, when its list
     * was refused for a namespace budget (the last attempt), why.
     */
    public record SourceView(SourcePlan plan, FeedSourceState state, List<FeedSourceState.Step> steps,
            Optional<String> overBudget) {
        public SourceView(SourcePlan plan, FeedSourceState state, List<FeedSourceState.Step> steps) {
            this(plan, state, steps, Optional.empty());
        }
    }

    private record Key(SetKey set, FeedRequest request) {}

    private static final class Entry {
        FeedSourceState state;
        SourcePlan plan;
        boolean inFlight;
        /** Why the last list fetched was refused for the namespace's prefix budget; empty once one is taken. */
        Optional<String> overBudget = Optional.empty();
        final Deque<FeedSourceState.Step> steps = new ArrayDeque<>();

        Entry(FeedSourceState state, SourcePlan plan) {
            this.state = state;
            this.plan = plan;
        }
    }

    private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
    private final Fetch fetch;
    private final FeedLimits limits;
    private final Executor executor;
    private final Clock clock;
    private final FeedMetrics metrics;
    private final FeedBudget budget;
    private final SharedLists lists = new SharedLists();
    private final Map<String, Object> namespaceLocks = new ConcurrentHashMap<>();
    private volatile Consumer<SetKey> onChange = set -> { };

    public FeedRefresher(Fetch fetch, FeedLimits limits, Executor executor, Clock clock, FeedMetrics metrics) {
        this(fetch, limits, FeedBudget.DEFAULT, executor, clock, metrics);
    }

    public FeedRefresher(Fetch fetch, FeedLimits limits, FeedBudget budget, Executor executor, Clock clock,
            FeedMetrics metrics) {
        this.fetch = fetch;
        this.limits = limits;
        this.budget = budget;
        this.executor = executor;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** How many distinct parsed lists sources hold (shared lists counted once). */
    int distinctLists() {
        return lists.size();
    }

    /** Who is told when a fetch of a set's source has ended (the event source that triggers its reconcile). */
    public void onChange(Consumer<SetKey> listener) {
        this.onChange = listener;
    }

    /**
     * The views of {@code set}'s sources in plan order; starts a fetch for each that is due. A source seen for the
     * first time starts from {@code restored} (the persisted list, if any: in force at once, fetched when due) or,
     * without one, is due at once. Sources of the set that are no longer planned are dropped.
     */
    public List<SourceView> refresh(SetKey set, List<SourcePlan> plans,
            Function<FeedRequest, Optional<FeedCache.Entry>> restored) {
        Instant now = clock.instant();
        Set<FeedRequest> planned = new java.util.HashSet<>();
        plans.forEach(p -> planned.add(p.request()));
        forget(k -> k.set().equals(set) && !planned.contains(k.request()));
        List<SourceView> views = new ArrayList<>(plans.size());
        for (SourcePlan plan : plans) {
            Key key = new Key(set, plan.request());
            Entry known = entries.get(key);
            Entry entry = known != null ? known : create(key, plan, restored, now);
            if (entry == null) {
                String why = "refused: namespace " + set.namespace() + " already follows " + budget.maxSources()
                        + " sources, the most " + FeedBudget.SOURCES_SETTING + " allows";
                metrics.overBudget(FeedMetrics.BUDGET_SOURCES);
                views.add(new SourceView(plan, new FeedSourceState(Optional.empty(), FeedFetcher.Validators.NONE, 0,
                        Optional.of(why), Optional.of(now), Optional.empty(), now.plus(OVER_BUDGET_RETRY)),
                        List.of(), Optional.of(why)));
                continue;
            }
            synchronized (entry) {
                entry.plan = plan;
                if (!entry.inFlight && !now.isBefore(entry.state.nextFetch())) {
                    entry.inFlight = true;
                    try {
                        executor.execute(() -> fetchNow(key, entry));
                    } catch (RejectedExecutionException e) {
                        entry.inFlight = false;  // shutting down: the next reconcile, if any, tries again
                    }
                }
                views.add(new SourceView(plan, entry.state, List.copyOf(entry.steps), entry.overBudget));
                entry.steps.clear();
            }
        }
        return views;
    }

    /**
     * A new entry for {@code key}, unless its namespace already follows {@link FeedBudget#maxSources()} sources
     * (then null: nothing is held for it). Restored lists are shared like fetched ones.
     */
    private Entry create(Key key, SourcePlan plan, Function<FeedRequest, Optional<FeedCache.Entry>> restored,
            Instant now) {
        String namespace = key.set().namespace();
        synchronized (namespaceLock(namespace)) {
            Entry known = entries.get(key);
            if (known != null) {
                return known;
            }
            long following = entries.keySet().stream().filter(k -> k.set().namespace().equals(namespace)).count();
            if (following >= budget.maxSources()) {
                return null;
            }
            FeedSourceState start = restored.apply(plan.request())
                    .map(r -> FeedSourceState.restored(new FeedSourceState.Accepted(
                                    lists.intern(plan.request(), r.list().content()), r.list().fetchedAt()),
                            r.validators(), now, plan.policy(), ThreadLocalRandom.current()::nextDouble))
                    .orElse(FeedSourceState.initial(Optional.empty(), now));
            Entry created = new Entry(start, plan);
            entries.put(key, created);
            metrics.track(key.set(), plan.request().name(), () -> lastGood(created));
            return created;
        }
    }

    private Object namespaceLock(String namespace) {
        return namespaceLocks.computeIfAbsent(namespace, n -> new Object());
    }

    /** The sources of {@code set} as they stand, without starting anything (for sets that include it). */
    public Optional<List<FeedSourceState>> peek(SetKey set, List<SourcePlan> plans) {
        List<FeedSourceState> states = new ArrayList<>();
        for (SourcePlan plan : plans) {
            Entry entry = entries.get(new Key(set, plan.request()));
            if (entry == null) {
                return Optional.empty();
            }
            synchronized (entry) {
                states.add(entry.state);
            }
        }
        return Optional.of(states);
    }

    /** Drops the state of every source whose set {@code gone} says no longer exists. */
    public void forgetSets(Predicate<SetKey> gone) {
        forget(k -> gone.test(k.set()));
    }

    private void forget(Predicate<Key> which) {
        entries.keySet().removeIf(k -> {
            if (which.test(k)) {
                metrics.untrack(k.set(), k.request().name());
                return true;
            }
            return false;
        });
    }

    private static Optional<Instant> lastGood(Entry entry) {
        synchronized (entry) {
            return entry.state.lastGood().map(FeedSourceState.Accepted::fetchedAt);
        }
    }

    private void fetchNow(Key key, Entry entry) {
        FeedSourceState before;
        SourcePlan plan;
        synchronized (entry) {
            before = entry.state;
            plan = entry.plan;
        }
        FeedSourceState.Transition transition;
        String label;
        try {
            Attempt attempt = attempt(before, plan);
            transition = attempt.transition();
            label = attempt.label();
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // Whatever went wrong, the entry must not stay "in flight" forever, and the list in force stays. The two
            // errors are what a parse of a hostile body can throw (deep nesting, a huge tree); its memory is freed
            // with it, and the source backs off like any failure instead of stopping for good.
            transition = before.failed("internal error: " + e.getClass().getSimpleName(), clock.instant(),
                    plan.policy(), ThreadLocalRandom.current()::nextDouble);
            label = FeedMetrics.FAILED;
        }
        synchronized (namespaceLock(key.set().namespace())) {
            Optional<String> over = overPrefixBudget(key, entry, transition.state());
            if (over.isPresent()) {
                transition = before.failed(over.get(), clock.instant(), plan.policy(),
                        ThreadLocalRandom.current()::nextDouble);
                label = FeedMetrics.OVER_BUDGET;
                metrics.overBudget(FeedMetrics.BUDGET_PREFIXES);
            }
            metrics.fetched(label);
            synchronized (entry) {
                entry.inFlight = false;
                if (entries.get(key) != entry) {
                    return;  // the source was dropped while it was fetched
                }
                entry.state = transition.state();
                entry.overBudget = over;
                if (entry.steps.size() == MAX_PENDING_STEPS) {
                    entry.steps.removeFirst();
                }
                entry.steps.addLast(transition.step());
            }
        }
        onChange.accept(key.set());
    }

    /**
     * Why {@code next} may not replace {@code entry}'s state: the namespace's sources would then hold more than
     * {@link FeedBudget#maxPrefixes()} prefixes, counting each distinct list (shared copy) once, and more than they
     * hold now (a list that shrinks the total is always taken). Called under the namespace's lock.
     */
    private Optional<String> overPrefixBudget(Key key, Entry entry, FeedSourceState next) {
        String namespace = key.set().namespace();
        java.util.Set<FeedContent> others = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        FeedSourceState current;
        synchronized (entry) {
            current = entry.state;
        }
        for (Map.Entry<Key, Entry> e : entries.entrySet()) {
            if (e.getValue() != entry && e.getKey().set().namespace().equals(namespace)) {
                synchronized (e.getValue()) {
                    held(e.getValue().state, others);
                }
            }
        }
        long now = total(others, current);
        long after = total(others, next);
        if (after <= budget.maxPrefixes() || after <= now) {
            return Optional.empty();
        }
        return Optional.of("refused: namespace " + namespace + "'s sources would hold " + after
                + " prefixes, over " + FeedBudget.PREFIXES_SETTING + " (" + budget.maxPrefixes() + ")");
    }

    private static void held(FeedSourceState state, java.util.Set<FeedContent> into) {
        state.lastGood().ifPresent(g -> into.add(g.content()));
        state.heldBack().ifPresent(h -> into.add(h.content()));
    }

    private static long total(java.util.Set<FeedContent> others, FeedSourceState state) {
        java.util.Set<FeedContent> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        all.addAll(others);
        held(state, all);
        long sum = 0;
        for (FeedContent content : all) {
            sum += content.prefixes().size();
        }
        return sum;
    }

    private record Attempt(FeedSourceState.Transition transition, String label) {}

    private Attempt attempt(FeedSourceState before, SourcePlan plan) {
        FeedRequest request = plan.request();
        FeedFetcher.Outcome outcome = fetch.fetch(request.url(), before.validators());
        Instant now = clock.instant();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (outcome instanceof FeedFetcher.Fetched fetched) {
            try {
                FeedContent content = lists.intern(request,
                        request.format().parse(request.name(), fetched.body(), limits));
                FeedSourceState.Transition transition = before.fetched(content, fetched.validators(), now,
                        plan.policy(), random::nextDouble);
                return new Attempt(transition, transition.step() instanceof FeedSourceState.Took ? FeedMetrics.UPDATED
                        : transition.step() instanceof FeedSourceState.HeldBack ? FeedMetrics.HELD_BACK
                        : FeedMetrics.UNCHANGED);
            } catch (FeedParseException e) {
                return new Attempt(before.failed(e.getMessage(), now, plan.policy(), random::nextDouble),
                        FeedMetrics.INVALID);
            }
        }
        if (outcome instanceof FeedFetcher.NotModified) {
            return new Attempt(before.notModified(now, plan.policy(), random::nextDouble), FeedMetrics.NOT_MODIFIED);
        }
        if (outcome instanceof FeedFetcher.Refused refused) {
            return new Attempt(before.failed("refused: " + refused.reason(), now, plan.policy(),
                    random::nextDouble), FeedMetrics.REFUSED);
        }
        return new Attempt(before.failed(((FeedFetcher.Failed) outcome).reason(), now, plan.policy(),
                random::nextDouble), FeedMetrics.FAILED);
    }
}
