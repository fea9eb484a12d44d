package dev.pinhole.operator.ipset;

import static dev.pinhole.operator.ConditionTypes.INVALID;
import static dev.pinhole.operator.ConditionTypes.READY;
import static dev.pinhole.operator.ConditionTypes.STALE;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetStatus;
import dev.pinhole.ipset.IpSet;
import dev.pinhole.ipset.feed.FeedLimits;
import dev.pinhole.operator.ChildWriter;
import dev.pinhole.operator.ConditionSet;
import dev.pinhole.operator.ConditionSet.Status;
import dev.pinhole.operator.ConditionTypes.Reason;
import dev.pinhole.operator.EventRecorder;
import dev.pinhole.operator.ItemStoreWithoutManagedFields;
import dev.pinhole.operator.OperatorSettings;
import dev.pinhole.operator.ReconcileMetrics;
import dev.pinhole.operator.StatusPatch;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Reconciles an IPSet into {@code status.cidrs}, the minimal CIDR list to publish. A set that cannot be resolved
 * is Ready=False with an empty list: a partial allowlist is never shown as Ready. A set with sources publishes
 * its feeds' lists in force (fetched off the reconcile threads by {@link FeedRefresher}, persisted in
 * {@link FeedCache}); a source that fails keeps its last good list, and the Stale condition says so.
 */
@ControllerConfiguration(name = IPSetReconciler.NAME,
        informer = @Informer(itemStore = ItemStoreWithoutManagedFields.class))
public class IPSetReconciler implements Reconciler<IPSet> {
    public static final String NAME = "ipset";
    static final String CONNECTORS_SOURCE = "appconnectors-for-ipset";
    static final String CACHES_SOURCE = "ipset-feed-caches";
    /** Deleted sets' feed state is dropped at most this often (a sweep over the cache of sets). */
    private static final Duration SWEEP_EVERY = Duration.ofMinutes(1);
    /** How soon a set with sources looks again while the feed cache key cannot be read. */
    static final Duration KEY_RETRY = Duration.ofSeconds(10);
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(IPSetReconciler.class);

    private final EventRecorder events;
    private final ReconcileMetrics metrics;
    private final Clock clock;
    private final SelectingSets selectingSets = new SelectingSets();
    private final ChildWriter writer;
    private final SourcePlans plans;
    private final FeedRefresher refresher;
    private final FeedFetchEvents fetchEvents;
    private final FeedMetrics feedMetrics;
    private final FeedCacheKeySecret cacheKey = new FeedCacheKeySecret(OperatorSettings.podNamespace());
    private volatile Instant lastSweep = Instant.EPOCH;

    public IPSetReconciler(EventRecorder events, ReconcileMetrics metrics, Clock clock, OperatorSettings settings,
            ChildWriter writer, FeedMetrics feedMetrics) {
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
        this.writer = writer;
        this.feedMetrics = feedMetrics;
        FeedAccess access = FeedAccess.from(settings.feeds());
        this.plans = new SourcePlans(access.origins(), access.policy(), access.maxShrink());
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(access.concurrency(), r -> {
            Thread t = new Thread(r, "feed-fetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.refresher = new FeedRefresher(new SharedFetches(access.fetcher()::fetch, clock,
                SharedFetches.REUSE_FOR, SharedFetches.MAX_KEPT_BYTES), FeedLimits.DEFAULT,
                new FeedBudget(settings.feeds().maxSourcesPerNamespace(), settings.feeds().maxPrefixesPerNamespace()),
                pool, clock, feedMetrics);
        this.fetchEvents = new FeedFetchEvents(refresher, pool);
    }

    @Override
    public List<EventSource<?, IPSet>> prepareEventSources(EventSourceContext<IPSet> context) {
        // Another IPSet changed: recompute every set that includes it, directly or not.
        // Only its spec matters to an includer (sets resolve from specs): its status writes are filtered out.
        var includes = InformerEventSourceConfiguration.from(IPSet.class, IPSet.class)
                .withName("included-ipsets")
                .withItemStore(new TransformingItemStore<>(CachedIncludedSet::keepSpec))
                .withOnUpdateFilter((IPSet updated, IPSet previous) ->
                        !Objects.equals(updated.getSpec(), previous.getSpec()))
                .withSecondaryToPrimaryMapper((IPSet changed) -> ids(changed.getMetadata().getNamespace(),
                        IpSetDependents.includers(all(context, changed.getMetadata().getNamespace()),
                                changed.getMetadata().getName())))
                .build();
        // An AppConnector changed: recompute the sets it is or was a member of, and what includes them. Status
        // writes (several per connector while it rolls out) change nothing a set is made of: filtered out.
        var connectors = InformerEventSourceConfiguration.from(AppConnector.class, IPSet.class)
                .withName(CONNECTORS_SOURCE)
                .withItemStore(new TransformingItemStore<>(CachedConnector::keepMembership))
                .withOnUpdateFilter(selectingSets::acceptUpdate)
                .withSecondaryToPrimaryMapper((AppConnector changed) -> ids(changed.getMetadata().getNamespace(),
                        selectingSets.affected(all(context, changed.getMetadata().getNamespace()), changed)))
                .withPrimaryToSecondaryMapper((IPSet set) -> Set.of())
                .build();
        // The persisted last good lists of the sets' sources (FeedCache), read on a set's first reconcile after a
        // restart. Owned by their set; only the operator writes them, so their events change nothing.
        var caches = InformerEventSourceConfiguration.from(ConfigMap.class, IPSet.class)
                .withName(CACHES_SOURCE)
                .withLabelSelector(FeedCache.LABEL)
                .withItemStore(new ItemStoreWithoutManagedFields<>())
                .withOnAddFilter(c -> false)
                .withOnUpdateFilter((now, before) -> false)
                .build();
        return List.of(new InformerEventSource<>(includes, context), new InformerEventSource<>(connectors, context),
                new InformerEventSource<>(caches, context), fetchEvents);
    }

    private static List<IPSet> all(EventSourceContext<IPSet> context, String namespace) {
        return context.getPrimaryCache().list(namespace).toList();
    }

    private static Set<ResourceID> ids(String namespace, Set<String> names) {
        return names.stream().map(n -> new ResourceID(n, namespace)).collect(Collectors.toSet());
    }

    @Override
    public UpdateControl<IPSet> reconcile(IPSet set, Context<IPSet> context) throws Exception {
        return metrics.time("IPSet", () -> doReconcile(set, context));
    }

    @SuppressWarnings("unchecked")
    private UpdateControl<IPSet> doReconcile(IPSet set, Context<IPSet> context) {
        String namespace = set.getMetadata().getNamespace();
        var connectorSource = (InformerEventSource<AppConnector, IPSet>) context.eventSourceRetriever()
                .getEventSourceFor(AppConnector.class, CONNECTORS_SOURCE);
        List<AppConnector> connectors = connectorSource.list(namespace).toList();
        var cacheSource = (InformerEventSource<ConfigMap, IPSet>) context.eventSourceRetriever()
                .getEventSourceFor(ConfigMap.class, CACHES_SOURCE);
        sweepDeletedSets(context);
        Optional<FeedCacheSeal> seal = SourceLists.hasSources(set)
                || set.getSpec() != null && set.getSpec().getInclude() != null && !set.getSpec().getInclude().isEmpty()
                ? cacheKey.seal(context.getClient()) : Optional.empty();
        SourceLists sourceLists = new SourceLists(set, plans, refresher,
                s -> cacheSource.get(new ResourceID(FeedCache.name(s), namespace)), seal, clock.instant());
        IpSetResolver resolver = new IpSetResolver(namespace,
                name -> context.getPrimaryCache().get(new ResourceID(name, namespace)), connectors, sourceLists);
        IpSetResolution resolution = resolver.resolve(set);
        if (sourceLists.waitingForKey()) {
            // The key Secret could not be read (RBAC, the API server): neither fetch afresh nor give up restoring,
            // which would lose every persisted list for good. The status in force stays; look again soon.
            return UpdateControl.<IPSet>noUpdate().rescheduleAfter(KEY_RETRY);
        }
        if (resolution instanceof IpSetResolution.Failed f && Reason.TOO_MANY_CIDRS.equals(f.reason())
                && !Reason.TOO_MANY_CIDRS.equals(readyReason(set))) {
            feedMetrics.overBudget(FeedMetrics.BUDGET_SET_CIDRS);
        }
        if (SourceLists.hasSources(set) && sourceLists.rootViews().isEmpty()) {
            // The set failed before its sources were reached (a bad entry, an unknown include): still follow
            // them, so their lists are there once the spec is fixed.
            sourceLists.apply(set);
        }
        List<FeedRefresher.SourceView> views = sourceLists.rootViews();
        Instant now = clock.instant();
        sourceLists.cacheRejected().ifPresent(rejection -> {
            feedMetrics.cacheRejected(rejection.reason());
            events.record(context.getClient(), set, EventRecorder.Type.Warning, "SourcesCacheRejected",
                    rejection.message());
        });
        if (resolution instanceof IpSetResolution.Failed failed
                && Reason.SOURCE_UNAVAILABLE.equals(failed.reason()) && sourceLists.awaitingFirstFetch()) {
            // A new source's first fetch is under way (its end triggers the next reconcile): the set has not
            // resolved yet. No status for this generation, so a connector routing through it waits (IPSetPending)
            // instead of turning Degraded, and no Warning is recorded for an ordinary step.
            return UpdateControl.noUpdate();
        }

        long generation = Optional.ofNullable(set.getMetadata().getGeneration()).orElse(0L);
        IPSetStatus previous = set.getStatus() == null ? new IPSetStatus() : set.getStatus();
        ConditionSet conditions = new ConditionSet(previous.getConditions(), generation, clock);
        IPSetStatus status = new IPSetStatus();
        status.setObservedGeneration(generation);
        if (resolution instanceof IpSetResolution.Resolved resolved) {
                IpSet addresses = resolved.addresses();
                List<String> cidrs = addresses.toCidrStrings();
                status.setCidrs(cidrs);
                status.setCidrCount(cidrs.size());
                status.setAddressCount(addresses.size().toString());
                conditions.set(READY, Status.True, Reason.RESOLVED,
                        cidrs.size() + " CIDRs, " + addresses.size() + " addresses");
                conditions.set(INVALID, Status.False, Reason.VALID, "");
        } else {
                IpSetResolution.Failed failed = (IpSetResolution.Failed) resolution;
                status.setCidrs(List.of());
                status.setCidrCount(0);
                status.setAddressCount(null);
                conditions.set(READY, Status.False, failed.reason(), failed.message());
                conditions.set(INVALID, Status.True, failed.reason(), failed.message());
        }
        if (SourceLists.hasSources(set)) {
            status.setSources(SourceReport.statuses(views, now));
            Optional<SourceReport.Staleness> stale = SourceReport.stale(views, now);
            if (stale.isPresent()) {
                conditions.set(STALE, Status.True, Reason.SOURCE_STALE, stale.get().message());
            } else {
                conditions.set(STALE, Status.False, Reason.SOURCES_FRESH, views.isEmpty() ? ""
                        : views.size() + " sources, every list in force is current");
            }
            for (SourceReport.Notice notice : SourceReport.notices(views, previous.getSources())) {
                events.record(context.getClient(), set, notice.warning() ? EventRecorder.Type.Warning
                        : EventRecorder.Type.Normal, notice.reason(), notice.message());
            }
            seal.ifPresent(key -> persist(set, views, key, context));
            if (views.stream().anyMatch(v -> v.steps().stream()
                    .anyMatch(step -> step instanceof dev.pinhole.ipset.feed.FeedSourceState.Took))) {
                // The sets including this one resolve its feeds too: their lists changed with it.
                fetchEvents.touch(namespace, IpSetDependents.includers(
                        context.getPrimaryCache().list(namespace).toList(), set.getMetadata().getName()));
            }
        }
        status.setConditions(conditions.toList());
        if (conditions.changed(READY)) {
            boolean ready = "True".equals(conditions.statusOf(READY));
            events.record(context.getClient(), set, ready ? EventRecorder.Type.Normal : EventRecorder.Type.Warning,
                    ready ? "Resolved" : resolution instanceof IpSetResolution.Failed f ? f.reason() : "NotReady",
                    ready ? "Published " + status.getCidrCount() + " CIDRs"
                            : ((IpSetResolution.Failed) resolution).message());
        }
        UpdateControl<IPSet> control;
        if (status.equals(previous)) {
            control = UpdateControl.noUpdate();
        } else {
            metrics.statusWritten("IPSet");
            control = UpdateControl.patchStatus(StatusPatch.of(set, status, IPSet::new));
        }
        Optional<Instant> next = SourceReport.nextLook(views, now);
        return next.isEmpty() ? control
                : control.rescheduleAfter(Duration.between(now, next.get()).plusMillis(1));
    }

    private static String readyReason(IPSet set) {
        return set.getStatus() == null || set.getStatus().getConditions() == null ? null
                : set.getStatus().getConditions().stream().filter(c -> READY.equals(c.getType()))
                        .map(io.fabric8.kubernetes.api.model.Condition::getReason).findFirst().orElse(null);
    }

    private static <T> T unchecked(Object o) {
        @SuppressWarnings("unchecked")
        T t = (T) o;
        return t;
    }

    /**
     * Writes the sources' last good lists to the set's cache when a digest changed. A cache over the size bound is
     * not written (the lists stay in force in memory); a Warning says a restart would fetch them afresh.
     */
    private void persist(IPSet set, List<FeedRefresher.SourceView> views, FeedCacheSeal seal,
            Context<IPSet> context) {
        Optional<FeedCache.Desired> desired = FeedCache.desired(set, views, seal);
        if (desired.isEmpty()) {
            return;
        }
        InformerEventSource<ConfigMap, IPSet> caches = unchecked(context.eventSourceRetriever()
                .getEventSourceFor(ConfigMap.class, CACHES_SOURCE));
        Optional<ConfigMap> current = caches.get(new ResourceID(FeedCache.name(set),
                set.getMetadata().getNamespace()));
        if (desired.get().sameAs(current, set, seal)) {
            return;
        }
        if (!desired.get().fits()) {
            if (views.stream().anyMatch(v -> !v.steps().isEmpty())) {
                events.record(context.getClient(), set, EventRecorder.Type.Warning, "SourcesNotPersisted",
                        "the sources' lists take " + desired.get().bytes() + " bytes, over the "
                                + FeedCache.MAX_BYTES + " a ConfigMap may hold here: after an operator restart the"
                                + " set waits for fresh fetches");
            }
            return;
        }
        try {
            writer.write(context, desired.get().configMap(), current);
            metrics.childWritten("IPSet", "ConfigMap");
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            // The lists stay in force in memory; the next change tries again.
            LOG.infof("IPSet %s/%s: could not write its feed cache: %s", set.getMetadata().getNamespace(),
                    set.getMetadata().getName(), e.getMessage());
        }
    }

    /** Drops the feed state of sets that no longer exist (no finalizer: nothing else hears of a deletion). */
    private void sweepDeletedSets(Context<IPSet> context) {
        Instant now = clock.instant();
        if (now.isBefore(lastSweep.plus(SWEEP_EVERY))) {
            return;
        }
        lastSweep = now;
        Set<String> live = context.getPrimaryCache().list().map(s -> s.getMetadata().getUid())
                .collect(Collectors.toSet());
        refresher.forgetSets(key -> !live.contains(key.uid()));
    }
}
