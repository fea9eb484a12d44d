package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.List;
import java.util.Map;

/** The Service, PodDisruptionBudget and NetworkPolicy around the connector pods. */
public final class DesiredNetworkObjects {
    private DesiredNetworkObjects() {}

    /**
     * The UDP Service clients connect to; ClientIP affinity keeps a client's handshake on one pod. A LoadBalancer
     * Service keeps the client's source address and port ({@code externalTrafficPolicy: Local}): session recovery
     * answers only the source a session index was made for, and with {@code Cluster} each node would masquerade
     * the client behind its own address. NodePort keeps {@code Cluster}: the client config names one node, which
     * may run no connector pod (docs/operations.md, "Exposing the WireGuard port").
     */
    public static Service service(AppConnector c) {
        AppConnectorSpec spec = c.getSpec();
        AppConnectorSpec.ServiceSpec s = spec.getService() == null ? new AppConnectorSpec.ServiceSpec() : spec.getService();
        AppConnectorSpec.ServiceSpec.Type type = s.getType() == null ? AppConnectorSpec.ServiceSpec.Type.LoadBalancer : s.getType();
        int port = ConnectorConfigRenderer.wireGuardInterface(spec).getListenPort();
        return new ServiceBuilder()
                .withNewMetadata()
                    .withName(ConnectorNames.workload(c))
                    .withNamespace(c.getMetadata().getNamespace())
                    .withLabels(ConnectorNames.labels(c))
                    .withAnnotations(s.getAnnotations() == null ? Map.of() : s.getAnnotations())
                .endMetadata()
                .withNewSpec()
                    .withType(type.name())
                    .withSelector(ConnectorNames.selector(c))
                    .withSessionAffinity("ClientIP")
                    .withExternalTrafficPolicy(type == AppConnectorSpec.ServiceSpec.Type.LoadBalancer ? "Local" : null)
                    .addNewPort()
                        .withName(ConnectorNames.WIREGUARD_PORT_NAME)
                        .withProtocol("UDP")
                        .withPort(port)
                        .withTargetPort(new IntOrString(ConnectorNames.WIREGUARD_PORT_NAME))
                    .endPort()
                .endSpec()
                .build();
    }

    /** Keeps at least one connector pod through voluntary disruptions; only meaningful with replicas > 1. */
    public static PodDisruptionBudget podDisruptionBudget(AppConnector c) {
        return new PodDisruptionBudgetBuilder()
                .withNewMetadata()
                    .withName(ConnectorNames.workload(c))
                    .withNamespace(c.getMetadata().getNamespace())
                    .withLabels(ConnectorNames.labels(c))
                .endMetadata()
                .withNewSpec()
                    .withMaxUnavailable(new IntOrString(1))
                    .withNewSelector().withMatchLabels(ConnectorNames.selector(c)).endSelector()
                .endSpec()
                .build();
    }

    /** Admits only the WireGuard port (UDP) and the metrics/health port (TCP) into connector pods. */
    /**
     * Ingress to the connector pods: WireGuard from anywhere; TCP {@value ConnectorNames#HTTP_PORT} (metrics, health,
     * and /status, which lists clients' public addresses) only from pods in {@code httpNamespaces}, or from
     * anywhere when that list is empty. NetworkPolicies add up, so a stricter policy of the user's own could never
     * take back what this one allows: the restriction has to be here.
     */
    public static NetworkPolicy networkPolicy(AppConnector c, List<String> httpNamespaces) {
        int port = ConnectorConfigRenderer.wireGuardInterface(c.getSpec()).getListenPort();
        List<NetworkPolicyPeer> httpFrom = httpNamespaces.stream()
                .map(ns -> new NetworkPolicyPeerBuilder().withNewNamespaceSelector()
                        .withMatchLabels(Map.of("kubernetes.io/metadata.name", ns)).endNamespaceSelector().build())
                .toList();
        return new NetworkPolicyBuilder()
                .withNewMetadata()
                    .withName(ConnectorNames.workload(c))
                    .withNamespace(c.getMetadata().getNamespace())
                    .withLabels(ConnectorNames.labels(c))
                .endMetadata()
                .withNewSpec()
                    .withNewPodSelector().withMatchLabels(ConnectorNames.selector(c)).endPodSelector()
                    .withPolicyTypes("Ingress")
                    .addNewIngress()
                        .addNewPort().withProtocol("UDP").withPort(new IntOrString(port)).endPort()
                    .endIngress()
                    .addNewIngress()
                        .addNewPort().withProtocol("TCP").withPort(new IntOrString(ConnectorNames.HTTP_PORT)).endPort()
                        .withFrom(httpFrom)
                    .endIngress()
                .endSpec()
                .build();
    }
}
