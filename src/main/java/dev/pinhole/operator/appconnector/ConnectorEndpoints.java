package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Where clients can reach a connector: load balancer ingress, else NAT-gateway node addresses and the node port. */
final class ConnectorEndpoints {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ConnectorEndpoints.class);
    private ConnectorEndpoints() {}

    static List<String> of(AppConnector connector, Optional<Service> service, KubernetesClient client) {
        List<String> previous = connector.getStatus() == null || connector.getStatus().getEndpoints() == null
                ? List.of() : connector.getStatus().getEndpoints();
        return of(connector, service, client, previous);
    }

    /**
     * As {@link #of(AppConnector, Optional, KubernetesClient)}; when node addresses are momentarily unknown (a node
     * status being rewritten), the previous endpoints on the same node port are kept rather than flapping to none.
     */
    static List<String> of(AppConnector connector, Optional<Service> service, KubernetesClient client,
                           List<String> previous) {
        if (service.isEmpty() || service.get().getSpec() == null || service.get().getSpec().getPorts() == null
                || service.get().getSpec().getPorts().isEmpty()) {
            return List.of();
        }
        Service s = service.get();
        ServicePort port = s.getSpec().getPorts().get(0);
        List<String> endpoints = new ArrayList<>();
        if (s.getStatus() != null && s.getStatus().getLoadBalancer() != null
                && s.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress ingress : s.getStatus().getLoadBalancer().getIngress()) {
                String host = ingress.getIp() != null ? ingress.getIp() : ingress.getHostname();
                if (host != null) {
                    endpoints.add(hostPort(host, port.getPort()));
                }
            }
        }
        LOG.debugf("service %s type %s nodePort %s lb %s", s.getMetadata().getName(), s.getSpec().getType(),
                port.getNodePort(), s.getStatus() == null ? null : s.getStatus().getLoadBalancer());
        if (endpoints.isEmpty() && port.getNodePort() != null && !"ClusterIP".equals(s.getSpec().getType())) {
            endpoints.addAll(nodeEndpoints(connector, client, port.getNodePort()));
            if (endpoints.isEmpty()) {
                String suffix = ":" + port.getNodePort();
                previous.stream().filter(e -> e.endsWith(suffix)).forEach(endpoints::add);
            }
        }
        if (endpoints.isEmpty() && "ClusterIP".equals(s.getSpec().getType()) && s.getSpec().getClusterIP() != null
                && !"None".equals(s.getSpec().getClusterIP())) {
            endpoints.add(hostPort(s.getSpec().getClusterIP(), port.getPort()));
        }
        return endpoints;
    }

    private static List<String> nodeEndpoints(AppConnector connector, KubernetesClient client, int nodePort) {
        var natGateway = connector.getSpec().getEgress().getNatGateway();
        Map<String, String> selector = natGateway == null || natGateway.getNodeSelector() == null
                ? Map.of() : natGateway.getNodeSelector();
        List<Node> nodes;
        try {
            nodes = client.nodes().withLabels(selector).list().getItems();
        } catch (KubernetesClientException e) {
            LOG.debugf("cannot list NAT-gateway nodes: %s", e.getMessage());
            return List.of();   // without node read access, a NodePort endpoint is simply not reported
        }
        LOG.debugf("NAT-gateway nodes for %s: %d", selector, nodes.size());
        List<String> endpoints = new ArrayList<>();
        for (Node node : nodes) {
            addressOf(node, "ExternalIP").or(() -> addressOf(node, "InternalIP"))
                    .ifPresent(a -> endpoints.add(hostPort(a, nodePort)));
        }
        endpoints.sort(null);
        return endpoints;
    }

    private static Optional<String> addressOf(Node node, String type) {
        if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
            return Optional.empty();
        }
        return node.getStatus().getAddresses().stream().filter(a -> type.equals(a.getType()))
                .map(NodeAddress::getAddress).findFirst();
    }

    private static String hostPort(String host, int port) {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
