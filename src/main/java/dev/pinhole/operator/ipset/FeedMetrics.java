package dev.pinhole.operator.ipset;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The feed series: fetches by outcome ({@code pinhole_ipset_feed_fetches_total}), the age of each source's last
 * good list ({@code pinhole_ipset_feed_age_seconds}, NaN while there is none) and persisted caches ignored by
 * reason ({@code pinhole_ipset_feed_cache_rejected_total}) and refusals by budget
 * ({@code pinhole_ipset_feed_budget_refused_total}). Every outcome is registered up
 * front, so a scrape shows all of them (at 0) and a dashboard never misses one.
 */
@jakarta.enterprise.context.ApplicationScoped
public class FeedMetrics {
    static final String FETCHES = "pinhole.ipset.feed.fetches";
    static final String AGE = "pinhole.ipset.feed.age";
    /** Persisted caches ignored whole (not sealed by the operator, sealed for another set, from the future). */
    static final String CACHE_REJECTED = "pinhole.ipset.feed.cache.rejected";

    /** A new list is in force. */
    public static final String UPDATED = "updated";
    /** The body parsed to the list already in force. */
    public static final String UNCHANGED = "unchanged";
    /** A 304 to a conditional request: the list in force is confirmed. */
    public static final String NOT_MODIFIED = "not_modified";
    /** A shrink beyond the rule: held back until it repeats. */
    public static final String HELD_BACK = "held_back";
    /** The body did not parse (or broke a limit): the list in force stays. */
    public static final String INVALID = "invalid";
    /** Network, status, size or deadline: the list in force stays, the next try backs off. */
    public static final String FAILED = "failed";
    /** The host policy refused the URL, a redirect or a resolved address. */
    public static final String REFUSED = "refused";
    /** The list parsed but would put its namespace over its prefix budget: the list in force stays. */
    public static final String OVER_BUDGET = "over_budget";
    public static final List<String> OUTCOMES = List.of(UPDATED, UNCHANGED, NOT_MODIFIED, HELD_BACK, INVALID,
            FAILED, REFUSED, OVER_BUDGET);

    /** Refusals for a budget ({@code pinhole_ipset_feed_budget_refused_total{budget}}). */
    static final String BUDGET_REFUSED = "pinhole.ipset.feed.budget.refused";
    /** A source past {@code pinhole.feeds.max-sources-per-namespace} (counted on each reconcile that refuses it). */
    public static final String BUDGET_SOURCES = "sources";
    /** A list past {@code pinhole.feeds.max-prefixes-per-namespace} (counted per refused fetch). */
    public static final String BUDGET_PREFIXES = "prefixes";
    /** A set whose merged list is longer than a connector's route table ({@code ConfigCheck.MAX_ROUTES}). */
    public static final String BUDGET_SET_CIDRS = "set_cidrs";
    public static final List<String> BUDGETS = List.of(BUDGET_SOURCES, BUDGET_PREFIXES, BUDGET_SET_CIDRS);

    private record GaugeKey(SetKey set, String source) {}

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<GaugeKey, Gauge> gauges = new ConcurrentHashMap<>();

    @jakarta.inject.Inject
    public FeedMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        for (String outcome : OUTCOMES) {
            registry.counter(FETCHES, "outcome", outcome);
        }
        for (String reason : FeedCache.REJECTIONS) {
            registry.counter(CACHE_REJECTED, "reason", reason);
        }
        for (String budget : BUDGETS) {
            registry.counter(BUDGET_REFUSED, "budget", budget);
        }
    }

    void overBudget(String budget) {
        registry.counter(BUDGET_REFUSED, "budget", budget).increment();
    }

    void cacheRejected(String reason) {
        registry.counter(CACHE_REJECTED, "reason", reason).increment();
    }

    void fetched(String outcome) {
        registry.counter(FETCHES, "outcome", outcome).increment();
    }

    /** Starts the age gauge of one source; {@code lastGood} says when its list in force was fetched. */
    public void track(SetKey set, String source, Supplier<Optional<Instant>> lastGood) {
        Tags tags = Tags.of("namespace", set.namespace(), "ipset", set.name(), "source", source);
        gauges.computeIfAbsent(new GaugeKey(set, source), k -> Gauge.builder(AGE, lastGood,
                        s -> s.get().map(t -> Duration.between(t, clock.instant()).toMillis() / 1000.0)
                                .orElse(Double.NaN))
                .strongReference(true)
                .baseUnit("seconds")
                .description("Age of the last good list of an IPSet source (NaN while it has none)")
                .tags(tags).register(registry));
    }

    void untrack(SetKey set, String source) {
        Gauge gauge = gauges.remove(new GaugeKey(set, source));
        if (gauge != null) {
            registry.remove(gauge);
        }
    }
}
