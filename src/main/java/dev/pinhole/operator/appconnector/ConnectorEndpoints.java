package dev.pinhole.operator.appconnector;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where clients can reach a connector: load balancer ingress, else the NAT-gateway nodes' addresses on the node port,
 * else the cluster IP. Computed from cached objects only; the result is sorted so equal inputs give equal status.
 */
final class ConnectorEndpoints {
    private ConnectorEndpoints() {}

    /**
     * @param natGatewayNodes the nodes the connector's NAT-gateway selector selects (see {@link NatGatewayNodes#of})
     */
    static List<String> of(Optional<Service> service, List<Node> natGatewayNodes) {
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
        if (endpoints.isEmpty() && port.getNodePort() != null && !"ClusterIP".equals(s.getSpec().getType())) {
            for (Node node : natGatewayNodes) {
                addressOf(node, "ExternalIP").or(() -> addressOf(node, "InternalIP"))
                        .ifPresent(a -> endpoints.add(hostPort(a, port.getNodePort())));
            }
        }
        if (endpoints.isEmpty() && "ClusterIP".equals(s.getSpec().getType()) && s.getSpec().getClusterIP() != null
                && !"None".equals(s.getSpec().getClusterIP())) {
            endpoints.add(hostPort(s.getSpec().getClusterIP(), port.getPort()));
        }
        return endpoints.stream().distinct().sorted().toList();
    }

    private static Optional<String> addressOf(Node node, String type) {
        if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
            return Optional.empty();
        }
        return node.getStatus().getAddresses().stream().filter(a -> type.equals(a.getType()))
                .map(NodeAddress::getAddress).findFirst();
    }

    /** The host part of an endpoint: IPv6 addresses in brackets. */
    static String host(String address) {
        return address.contains(":") ? "[" + address + "]" : address;
    }

    private static String hostPort(String host, int port) {
        return host(host) + ":" + port;
    }
}
