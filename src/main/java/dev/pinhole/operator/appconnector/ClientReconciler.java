package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.Client;
import dev.pinhole.api.ClientConnectorStatus;
import dev.pinhole.api.ClientStatus;
import dev.pinhole.operator.ItemStoreWithoutManagedFields;
import dev.pinhole.operator.ReconcileMetrics;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Client side of a Client's status: what no AppConnector's reconcile will write. An entry of an AppConnector that
 * no longer exists is removed (its reconciler is gone with it), and a Client no AppConnector selects says
 * {@code Admitted=False NoConnector} instead of having no status at all. Each connector still writes its own entry
 * (AppConnectorReconciler); this never adds or changes one.
 *
 * <p>Why a Client-side reconcile and not a finalizer on the AppConnector: it compares each Client with the
 * AppConnectors that exist now, so whatever was missed (the operator down while a connector was deleted, a restart)
 * is put right when the operator starts and reconciles every Client; a finalizer would need write rights on
 * AppConnectors, and while the operator is down or uninstalled it holds every deleted connector, and its namespace,
 * in Terminating.
 *
 * <p>An entry is removed only when the AppConnector is absent from this controller's cache <em>and</em> a list from
 * the API server (a consistent read, the {@code list} right the operator has) finds it gone: a connector created a
 * moment ago may have written its entry before this cache saw the connector, and that entry is its address record.
 */
@ControllerConfiguration(name = ClientReconciler.NAME,
        informer = @Informer(itemStore = ItemStoreWithoutManagedFields.class))
public class ClientReconciler implements Reconciler<Client> {
    public static final String NAME = "client";
    static final String CONNECTORS = "appconnectors-for-client";
    static final String NAMESPACES = "namespaces-for-client";
    /** When another writer changed the Client since it was cached: look again after this. */
    private static final Duration CONFLICT_RETRY = Duration.ofSeconds(2);
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ClientReconciler.class);

    private final ReconcileMetrics metrics;
    private final Clock clock;

    public ClientReconciler(ReconcileMetrics metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public List<EventSource<?, Client>> prepareEventSources(EventSourceContext<Client> context) {
        // A deleted AppConnector concerns the Clients that carry its entry. Nothing else about one does: its own
        // reconcile writes, changes and removes its entries, and a new one writes its entry into what it selects.
        var connectors = InformerEventSourceConfiguration.from(AppConnector.class, Client.class)
                .withName(CONNECTORS)
                .withItemStore(new TransformingItemStore<AppConnector>(ClientReconciler::sourcesOnly))
                .withOnAddFilter(c -> false)
                .withOnUpdateFilter((now, before) -> false)
                .withSecondaryToPrimaryMapper((AppConnector c) -> context.getPrimaryCache().list()
                        .filter(client -> entries(client).stream().anyMatch(e -> e.isFor(
                                c.getMetadata().getNamespace(), c.getMetadata().getName())))
                        .map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper((Client c) -> Set.of())
                .build();
        // Namespace labels, for sources that select namespaces by label; a change of them reaches the connectors,
        // which write or remove their entries, so no Client is reconciled for it here.
        var namespaces = InformerEventSourceConfiguration.from(Namespace.class, Client.class)
                .withName(NAMESPACES)
                .withWatchAllNamespaces()
                .withItemStore(new TransformingItemStore<>(ConnectorClients::labelsOnly))
                .withOnAddFilter(n -> false)
                .withOnUpdateFilter((now, before) -> false)
                .withOnDeleteFilter((n, unknown) -> false)
                .withSecondaryToPrimaryMapper((Namespace n) -> Set.of())
                .withPrimaryToSecondaryMapper((Client c) -> Set.of())
                .build();
        return List.of(new InformerEventSource<>(connectors, context), new InformerEventSource<>(namespaces, context));
    }

    @Override
    @SuppressWarnings("unchecked")
    public UpdateControl<Client> reconcile(Client client, Context<Client> context) throws Exception {
        return metrics.time("Client", () -> {
            var connectorSource = (InformerEventSource<AppConnector, Client>) context.eventSourceRetriever()
                    .getEventSourceFor(AppConnector.class, CONNECTORS);
            var namespaceSource = (InformerEventSource<Namespace, Client>) context.eventSourceRetriever()
                    .getEventSourceFor(Namespace.class, NAMESPACES);
            List<AppConnector> connectors = connectorSource.list().toList();
            Function<String, Map<String, String>> namespaceLabels = ns -> namespaceSource.get(new ResourceID(ns))
                    .map(n -> n.getMetadata().getLabels()).filter(Objects::nonNull).orElse(Map.of());

            Set<String> cached = connectors.stream()
                    .map(c -> c.getMetadata().getNamespace() + "/" + c.getMetadata().getName())
                    .collect(Collectors.toSet());
            Set<String> gone = new HashSet<>();
            for (ClientConnectorStatus e : entries(client)) {
                String ref = e.getNamespace() + "/" + e.getName();
                if (!cached.contains(ref) && confirmedGone(context, e.getNamespace(), e.getName())) {
                    gone.add(ref);
                }
            }
            boolean selected = connectors.stream().anyMatch(c -> c.getSpec() != null
                    && ClientSourceSelection.sourceFor(c.getSpec().getClientSources(), c.getMetadata().getNamespace(),
                    client.getMetadata().getNamespace(), client.getMetadata().getLabels(), namespaceLabels)
                    .isPresent());
            boolean noEntryLeft = entries(client).stream()
                    .allMatch(e -> gone.contains(e.getNamespace() + "/" + e.getName()));
            if (gone.isEmpty() && !(noEntryLeft && !selected)) {
                return UpdateControl.<Client>noUpdate();  // the connectors that select it write its status
            }
            long generation = client.getMetadata().getGeneration() == null ? 0 : client.getMetadata().getGeneration();
            ClientStatus next = ClientStatusUpdate.without(client.getStatus(), generation,
                    e -> gone.contains(e.getNamespace() + "/" + e.getName()), clock);
            if (next.equals(client.getStatus())) {
                return UpdateControl.<Client>noUpdate();
            }
            return write(context, client, next);
        });
    }

    /**
     * Whether the API server, asked now, has no AppConnector {@code namespace/name}: a list by name, never served
     * from a cache. Any failure (no right to list there, the API server unreachable) confirms nothing.
     */
    private static boolean confirmedGone(Context<Client> context, String namespace, String name) {
        if (namespace == null || name == null) {
            return true;  // an entry that names no connector is nobody's
        }
        try {
            return context.getClient().resources(AppConnector.class).inNamespace(namespace)
                    .withField("metadata.name", name).list().getItems().isEmpty();
        } catch (KubernetesClientException e) {
            LOG.debugf("AppConnector %s/%s: cannot confirm it is gone (%s)", namespace, name, e.getMessage());
            return false;
        }
    }

    /** A PUT of the status with the cached resourceVersion, as the connectors write it, so no entry is lost. */
    private UpdateControl<Client> write(Context<Client> context, Client client, ClientStatus next) {
        Client write = new Client();
        write.setMetadata(new ObjectMetaBuilder().withName(client.getMetadata().getName())
                .withNamespace(client.getMetadata().getNamespace())
                .withResourceVersion(client.getMetadata().getResourceVersion()).build());
        write.setSpec(client.getSpec());
        write.setStatus(next);
        try {
            context.getClient().resource(write).updateStatus();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return UpdateControl.<Client>noUpdate().rescheduleAfter(CONFLICT_RETRY);
            }
            if (e.getCode() == 404) {
                return UpdateControl.noUpdate();
            }
            throw e;
        }
        metrics.statusWritten("Client");
        String reason = admittedReason(next);
        if (ClientStatusUpdate.REASON_NO_CONNECTOR.equals(reason)
                && !ClientStatusUpdate.REASON_NO_CONNECTOR.equals(admittedReason(client.getStatus()))) {
            metrics.clientRefused(reason);
        }
        return UpdateControl.noUpdate();
    }

    private static String admittedReason(ClientStatus status) {
        return status == null || status.getConditions() == null ? null : status.getConditions().stream()
                .filter(c -> ClientStatusUpdate.ADMITTED.equals(c.getType())).map(Condition::getReason)
                .findFirst().orElse(null);
    }

    private static List<ClientConnectorStatus> entries(Client client) {
        return client.getStatus() == null || client.getStatus().getConnectors() == null ? List.of()
                : client.getStatus().getConnectors();
    }

    /** An AppConnector as this cache keeps it: its name and clientSources (selection reads nothing else). */
    private static AppConnector sourcesOnly(AppConnector connector) {
        ItemStoreWithoutManagedFields.strip(connector);
        AppConnector kept = new AppConnector();
        kept.setMetadata(connector.getMetadata());
        kept.getMetadata().setAnnotations(null);
        if (connector.getSpec() != null) {
            dev.pinhole.api.AppConnectorSpec spec = new dev.pinhole.api.AppConnectorSpec();
            spec.setClientSources(connector.getSpec().getClientSources());
            kept.setSpec(spec);
        }
        return kept;
    }
}
