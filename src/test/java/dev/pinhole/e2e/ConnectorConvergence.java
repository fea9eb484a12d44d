package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.operator.appconnector.ConnectorConfigRenderer;
import dev.pinhole.operator.appconnector.ConnectorNames;
import dev.pinhole.operator.appconnector.DesiredConfigObjects;
import dev.pinhole.operator.appconnector.NatGatewayNodes;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Whether an AppConnector's children are exactly what its current spec asks for, for the chaos e2e tests: status
 * Ready for the current generation, the Deployment at the spec's replicas with that many Ready pods, both
 * ConfigMaps holding what the operator's own renderers produce from the live spec, and one object of each kind.
 */
final class ConnectorConvergence {
    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private volatile String lastMismatch = "nothing checked yet";

    ConnectorConvergence(KubernetesClient client, String namespace, String name) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
    }

    /** Waits until {@link #mismatch()} finds nothing; on timeout fails saying what still differed. */
    AppConnector await() {
        try {
            org.awaitility.Awaitility.await().atMost(E2ECluster.WAIT).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        lastMismatch = mismatch();
                        return lastMismatch == null;
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("AppConnector " + namespace + "/" + name + " did not converge within "
                    + E2ECluster.WAIT + ": " + lastMismatch, e);
        }
        return connector();
    }

    /** What was still different at the last check (for failure messages). */
    String lastMismatch() {
        return lastMismatch;
    }

    AppConnector connector() {
        return client.resources(AppConnector.class).inNamespace(namespace).withName(name).get();
    }

    /** The first way the cluster differs from the connector's spec, or null when it matches. */
    String mismatch() {
        AppConnector c = connector();
        if (c == null || c.getStatus() == null) {
            return "no status";
        }
        if (!Objects.equals(c.getMetadata().getGeneration(), c.getStatus().getObservedGeneration())) {
            return "observedGeneration " + c.getStatus().getObservedGeneration() + " != generation "
                    + c.getMetadata().getGeneration();
        }
        if (c.getStatus().getConditions().stream().noneMatch(x -> "Ready".equals(x.getType())
                && "True".equals(x.getStatus()))) {
            return "not Ready: " + c.getStatus().getConditions();
        }
        int replicas = c.getSpec().getReplicas();
        Deployment d = client.apps().deployments().inNamespace(namespace).withName(name).get();
        if (d == null || !Objects.equals(d.getSpec().getReplicas(), replicas)) {
            return "Deployment replicas " + (d == null ? "absent" : d.getSpec().getReplicas()) + " != " + replicas;
        }
        if (!Objects.equals(c.getStatus().getReadyReplicas(), replicas)) {
            return "status.readyReplicas " + c.getStatus().getReadyReplicas() + " != " + replicas;
        }
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel(ConnectorNames.LABEL_CONNECTOR, name).list()
                .getItems().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
        if (pods.size() != replicas) {
            return pods.size() + " pods (not terminating) != " + replicas;
        }
        if (client.services().inNamespace(namespace).withName(name).get() == null) {
            return "no Service";
        }
        List<String> routes = c.getSpec().getRoutes().getCidrs();
        List<String> nodeAddresses = NatGatewayNodes.ipAddresses(client.nodes().list().getItems().stream()
                .filter(n -> NatGatewayNodes.selects(c, n)).toList());
        Map<String, String> config = DesiredConfigObjects.connectorConfig(c,
                ConnectorConfigRenderer.render(c, routes, nodeAddresses)).getData();
        ConfigMap liveConfig = client.configMaps().inNamespace(namespace).withName(name + "-config").get();
        if (liveConfig == null || !config.equals(liveConfig.getData())) {
            return "ConfigMap " + name + "-config differs from the rendered spec: "
                    + (liveConfig == null ? "absent" : liveConfig.getData());
        }
        Map<String, String> clients = DesiredConfigObjects.clientConfigs(c, c.getStatus().getPublicKey(),
                c.getStatus().getEndpoints(), routes).getData();
        ConfigMap liveClients = client.configMaps().inNamespace(namespace).withName(name + "-clients").get();
        if (liveClients == null || !clients.equals(liveClients.getData())) {
            return "ConfigMap " + name + "-clients differs from the rendered spec: "
                    + (liveClients == null ? "absent" : liveClients.getData().keySet());
        }
        return null;
    }

    /** Exactly one child of each kind carries the connector's label: nothing was created twice under a new name. */
    void assertNoDuplicates() {
        String label = ConnectorNames.LABEL_CONNECTOR;
        assertThat(client.apps().deployments().inNamespace(namespace).withLabel(label, name).list().getItems())
                .as("Deployments").hasSize(1);
        assertThat(client.services().inNamespace(namespace).withLabel(label, name).list().getItems())
                .as("Services").hasSize(1);
        assertThat(client.secrets().inNamespace(namespace).withLabel(label, name).list().getItems())
                .as("Secrets").hasSize(1);
        assertThat(client.configMaps().inNamespace(namespace).withLabel(label, name).list().getItems())
                .as("ConfigMaps").extracting(m -> m.getMetadata().getName())
                .containsExactlyInAnyOrder(name + "-config", name + "-clients");
        assertThat(client.network().v1().networkPolicies().inNamespace(namespace).withLabel(label, name).list()
                .getItems()).as("NetworkPolicies").hasSize(1);
        int replicas = connector().getSpec().getReplicas();
        assertThat(client.policy().v1().podDisruptionBudget().inNamespace(namespace).withLabel(label, name).list()
                .getItems()).as("PodDisruptionBudgets").hasSize(replicas > 1 ? 1 : 0);
    }
}
