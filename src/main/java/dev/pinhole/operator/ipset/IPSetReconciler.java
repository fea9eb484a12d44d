package dev.pinhole.operator.ipset;

import static dev.pinhole.operator.ConditionTypes.INVALID;
import static dev.pinhole.operator.ConditionTypes.READY;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetStatus;
import dev.pinhole.ipset.IpSet;
import dev.pinhole.operator.ConditionSet;
import dev.pinhole.operator.ConditionSet.Status;
import dev.pinhole.operator.ConditionTypes.Reason;
import dev.pinhole.operator.EventRecorder;
import dev.pinhole.operator.ItemStoreWithoutManagedFields;
import dev.pinhole.operator.ReconcileMetrics;
import dev.pinhole.operator.StatusPatch;
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
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reconciles an IPSet into {@code status.cidrs}, the minimal CIDR list to publish. A set that cannot be resolved
 * is Ready=False with an empty list: a stale or partial allowlist is never shown as Ready.
 */
@ControllerConfiguration(name = IPSetReconciler.NAME,
        informer = @Informer(itemStore = ItemStoreWithoutManagedFields.class))
public class IPSetReconciler implements Reconciler<IPSet> {
    public static final String NAME = "ipset";
    static final String CONNECTORS_SOURCE = "appconnectors-for-ipset";

    private final EventRecorder events;
    private final ReconcileMetrics metrics;
    private final Clock clock;
    private final SelectingSets selectingSets = new SelectingSets();

    public IPSetReconciler(EventRecorder events, ReconcileMetrics metrics, Clock clock) {
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, IPSet>> prepareEventSources(EventSourceContext<IPSet> context) {
        // Another IPSet changed: recompute every set that includes it, directly or not.
        // Only its spec matters to an includer (sets resolve from specs): its status writes are filtered out.
        var includes = InformerEventSourceConfiguration.from(IPSet.class, IPSet.class)
                .withName("included-ipsets")
                .withItemStore(new ItemStoreWithoutManagedFields<>())
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
                .withItemStore(new ItemStoreWithoutManagedFields<>())
                .withOnUpdateFilter(selectingSets::acceptUpdate)
                .withSecondaryToPrimaryMapper((AppConnector changed) -> ids(changed.getMetadata().getNamespace(),
                        selectingSets.affected(all(context, changed.getMetadata().getNamespace()), changed)))
                .withPrimaryToSecondaryMapper((IPSet set) -> Set.of())
                .build();
        return List.of(new InformerEventSource<>(includes, context), new InformerEventSource<>(connectors, context));
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
        IpSetResolver resolver = new IpSetResolver(namespace,
                name -> context.getPrimaryCache().get(new ResourceID(name, namespace)), connectors);
        IpSetResolution resolution = resolver.resolve(set);

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
        status.setConditions(conditions.toList());
        if (conditions.changed(READY)) {
            boolean ready = "True".equals(conditions.statusOf(READY));
            events.record(context.getClient(), set, ready ? EventRecorder.Type.Normal : EventRecorder.Type.Warning,
                    ready ? "Resolved" : resolution instanceof IpSetResolution.Failed f ? f.reason() : "NotReady",
                    ready ? "Published " + status.getCidrCount() + " CIDRs"
                            : ((IpSetResolution.Failed) resolution).message());
        }
        if (status.equals(previous)) {
            return UpdateControl.noUpdate();
        }
        metrics.statusWritten("IPSet");
        return UpdateControl.patchStatus(StatusPatch.of(set, status, IPSet::new));
    }
}
