package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import dev.pinhole.operator.ItemStoreWithoutManagedFields;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
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
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The nodes an AppConnector's NodePort endpoints point at, from one Node informer shared by every AppConnector, so a
 * reconcile reads a cache instead of listing nodes. A node event re-triggers only the connectors it can affect, and
 * only when what endpoints are made of (labels, addresses) changed: node heartbeats cause no reconcile.
 */
public final class NatGatewayNodes {
    static final String SOURCE = "nat-gateway-nodes";

    private NatGatewayNodes() {}

    /** The Node event source: cluster-wide (nodes are cluster-scoped), whatever namespaces the operator watches. */
    static InformerEventSource<Node, AppConnector> eventSource(EventSourceContext<AppConnector> context) {
        var config = InformerEventSourceConfiguration.from(Node.class, AppConnector.class)
                .withName(SOURCE)
                .withWatchAllNamespaces()
                .withItemStore(new TransformingItemStore<>(NatGatewayNodes::labelsAndAddressesOnly))
                .withOnUpdateFilter(NatGatewayNodes::endpointsMayChange)
                .withSecondaryToPrimaryMapper((Node node) -> affected(context.getPrimaryCache().list(), node))
                // Reconciles look nodes up by selector (of), never through a per-connector index.
                .withPrimaryToSecondaryMapper((AppConnector c) -> Set.of())
                .build();
        return new InformerEventSource<>(config, context);
    }

    /**
     * What the cache keeps of a node: its labels and addresses, all endpoints are made of. A real node also carries
     * its image list, conditions, capacity, annotations and managed fields, several KiB each, for every node in the
     * cluster whether or not it is a NAT gateway.
     */
    static Node labelsAndAddressesOnly(Node node) {
        ItemStoreWithoutManagedFields.strip(node);
        if (node.getMetadata() != null) {
            node.getMetadata().setAnnotations(null);
        }
        node.setSpec(null);
        if (node.getStatus() != null) {
            var addresses = node.getStatus().getAddresses();
            node.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder().withAddresses(addresses).build());
        }
        return node;
    }

    /** The cached nodes the connector's {@code egress.natGateway.nodeSelector} selects. */
    @SuppressWarnings("unchecked")
    static List<Node> of(AppConnector connector, Context<AppConnector> context) {
        var nodes = (InformerEventSource<Node, AppConnector>) context.eventSourceRetriever()
                .getEventSourceFor(Node.class, SOURCE);
        return nodes.list(node -> selects(connector, node)).toList();
    }

    /** Whether the node carries every label of the connector's NAT-gateway selector (an empty one selects all). */
    public static boolean selects(AppConnector connector, Node node) {
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        return selector(connector).entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /**
     * Connectors whose endpoints this node's event can change: those selecting it now, and those whose published
     * endpoints carry one of its addresses (a node that just lost the label must leave their endpoints too).
     */
    static Set<ResourceID> affected(Stream<AppConnector> connectors, Node node) {
        Set<String> hosts = addresses(node).stream().map(ConnectorEndpoints::host).collect(Collectors.toSet());
        return connectors.filter(c -> selects(c, node) || publishes(c, hosts))
                .map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    /** Only a change of labels or addresses can change endpoints; conditions and heartbeats cannot. */
    static boolean endpointsMayChange(Node updated, Node previous) {
        return !Objects.equals(updated.getMetadata().getLabels(), previous.getMetadata().getLabels())
                || !addresses(updated).equals(addresses(previous));
    }

    private static Map<String, String> selector(AppConnector connector) {
        var egress = connector.getSpec() == null ? null : connector.getSpec().getEgress();
        if (egress == null || egress.getNatGateway() == null || egress.getNatGateway().getNodeSelector() == null) {
            return Map.of();
        }
        return egress.getNatGateway().getNodeSelector();
    }

    /**
     * The IP addresses (InternalIP, ExternalIP; not host names) of the nodes {@code connector} selects: the nodes it
     * may run on, whose own services no client may reach through it.
     */
    static List<String> ipAddresses(AppConnector connector, Context<AppConnector> context) {
        return ipAddresses(of(connector, context));
    }

    /** The InternalIP and ExternalIP addresses of {@code nodes}, sorted: what a config's network.nodeAddresses holds. */
    public static List<String> ipAddresses(List<Node> nodes) {
        return nodes.stream()
                .flatMap(n -> n.getStatus() == null || n.getStatus().getAddresses() == null ? Stream.empty()
                        : n.getStatus().getAddresses().stream())
                .filter(a -> "InternalIP".equals(a.getType()) || "ExternalIP".equals(a.getType()))
                .map(NodeAddress::getAddress).filter(Objects::nonNull).distinct().sorted().toList();
    }

    private static List<String> addresses(Node node) {
        if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
            return List.of();
        }
        return node.getStatus().getAddresses().stream().map(NodeAddress::getAddress).filter(Objects::nonNull)
                .toList();
    }

    private static boolean publishes(AppConnector connector, Set<String> hosts) {
        if (hosts.isEmpty() || connector.getStatus() == null || connector.getStatus().getEndpoints() == null) {
            return false;
        }
        return connector.getStatus().getEndpoints().stream().filter(e -> e.lastIndexOf(':') > 0)
                .anyMatch(e -> hosts.contains(e.substring(0, e.lastIndexOf(':'))));
    }
}
