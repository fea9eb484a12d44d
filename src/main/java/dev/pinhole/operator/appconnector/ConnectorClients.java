package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.Client;
import dev.pinhole.api.ClientConnectorStatus;
import dev.pinhole.api.ClientSource;
import dev.pinhole.operator.ItemStoreWithoutManagedFields;
import io.fabric8.kubernetes.api.model.Namespace;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Client objects and namespace labels AppConnectors admit from, each from one informer shared by every
 * AppConnector. A Client event re-triggers only the connectors whose clientSources select it now or whose entry its
 * status carries (one that stopped selecting it must remove its entry and its peer); a namespace event only the
 * connectors that select namespaces by label, and only when the labels changed.
 */
public final class ConnectorClients {
    static final String CLIENTS = "clients-for-appconnector";
    static final String NAMESPACES = "namespaces-for-appconnector";

    private ConnectorClients() {}

    static InformerEventSource<Client, AppConnector> clientSource(
            EventSourceContext<AppConnector> context, InformerEventSource<Namespace, AppConnector> namespaces) {
        var config = InformerEventSourceConfiguration.from(Client.class, AppConnector.class)
                .withName(CLIENTS)
                .withItemStore(new ItemStoreWithoutManagedFields<>())
                // A Client's own status write (by a connector) changes no input of any connector but the
                // addresses, which that connector wrote itself: only spec and label changes matter.
                .withOnUpdateFilter((Client now, Client before) -> !Objects.equals(now.getSpec() == null ? null
                        : List.of(String.valueOf(now.getSpec().getPublicKey()), String.valueOf(now.getSpec()
                        .getGroups()), String.valueOf(now.getSpec().getAddress())), before.getSpec() == null ? null
                        : List.of(String.valueOf(before.getSpec().getPublicKey()), String.valueOf(before.getSpec()
                        .getGroups()), String.valueOf(before.getSpec().getAddress())))
                        || !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels()))
                .withSecondaryToPrimaryMapper((Client client) -> affected(context.getPrimaryCache().list(), client,
                        ns -> namespaceLabels(namespaces, ns)))
                .withPrimaryToSecondaryMapper((AppConnector c) -> Set.of())
                .build();
        return new InformerEventSource<>(config, context);
    }

    static InformerEventSource<Namespace, AppConnector> namespaceSource(EventSourceContext<AppConnector> context) {
        var config = InformerEventSourceConfiguration.from(Namespace.class, AppConnector.class)
                .withName(NAMESPACES)
                .withWatchAllNamespaces()
                .withItemStore(new TransformingItemStore<>(ConnectorClients::labelsOnly))
                .withOnUpdateFilter((Namespace now, Namespace before) -> !Objects.equals(
                        now.getMetadata().getLabels(), before.getMetadata().getLabels()))
                .withSecondaryToPrimaryMapper((Namespace ns) -> context.getPrimaryCache().list()
                        .filter(ConnectorClients::selectsNamespacesByLabel)
                        .map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper((AppConnector c) -> Set.of())
                .build();
        return new InformerEventSource<>(config, context);
    }

    /** A namespace as the cache keeps it: its name and labels (sources select by nothing else). */
    static Namespace labelsOnly(Namespace ns) {
        ItemStoreWithoutManagedFields.strip(ns);
        if (ns.getMetadata() != null) {
            ns.getMetadata().setAnnotations(null);
        }
        ns.setSpec(null);
        ns.setStatus(null);
        return ns;
    }

    /** Every cached Client (the admission selects; a cached Client with this connector's entry is also needed). */
    @SuppressWarnings("unchecked")
    static List<Client> all(Context<AppConnector> context) {
        var clients = (InformerEventSource<Client, AppConnector>) context.eventSourceRetriever()
                .getEventSourceFor(Client.class, CLIENTS);
        return clients.list().toList();
    }

    @SuppressWarnings("unchecked")
    static Function<String, Map<String, String>> namespaceLabels(Context<AppConnector> context) {
        var namespaces = (InformerEventSource<Namespace, AppConnector>) context.eventSourceRetriever()
                .getEventSourceFor(Namespace.class, NAMESPACES);
        return ns -> namespaceLabels(namespaces, ns);
    }

    /** A namespace's labels from the cache; empty when unknown (a source selecting by label then selects none). */
    private static Map<String, String> namespaceLabels(InformerEventSource<Namespace, AppConnector> namespaces,
                                                       String namespace) {
        if (namespaces == null) {
            return Map.of();
        }
        return namespaces.get(new ResourceID(namespace)).map(n -> n.getMetadata().getLabels())
                .filter(Objects::nonNull).orElse(Map.of());
    }

    /** Connectors a Client's event concerns: those selecting it, and those whose entry its status carries. */
    static Set<ResourceID> affected(Stream<AppConnector> connectors, Client client,
                                    Function<String, Map<String, String>> namespaceLabels) {
        List<ClientConnectorStatus> entries = client.getStatus() == null || client.getStatus().getConnectors() == null
                ? List.of() : client.getStatus().getConnectors();
        return connectors.filter(c -> entries.stream().anyMatch(e -> e.isFor(c.getMetadata().getNamespace(),
                        c.getMetadata().getName()))
                        || (c.getSpec() != null && ClientSourceSelection.sourceFor(c.getSpec().getClientSources(),
                        c.getMetadata().getNamespace(), client.getMetadata().getNamespace(),
                        client.getMetadata().getLabels(), namespaceLabels).isPresent()))
                .map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    private static boolean selectsNamespacesByLabel(AppConnector c) {
        return c.getSpec() != null && c.getSpec().getClientSources() != null && c.getSpec().getClientSources()
                .stream().anyMatch(s -> s != null && s.getNamespaces() != null
                        && s.getNamespaces().getFrom() == ClientSource.Namespaces.From.Selector);
    }
}
