package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which child updates re-run an AppConnector's reconcile. */
class ChildUpdatesTest {

    private static Deployment deployment(int ready, String progressingReason, String lastUpdate) {
        return new DeploymentBuilder().withNewMetadata().withName("saas").withGeneration(1L)
                .withAnnotations(Map.of("pinhole.dev/desired-hash", "abc")).endMetadata()
                .withNewSpec().withReplicas(2).endSpec()
                .withNewStatus().withObservedGeneration(1L).withReplicas(2).withUpdatedReplicas(2)
                .withReadyReplicas(ready).withAvailableReplicas(ready)
                .addNewCondition().withType("Progressing").withStatus("True").withReason(progressingReason)
                .withLastUpdateTime(lastUpdate).endCondition()
                .endStatus().build();
    }

    @Test
    void aDeploymentStatusWriteThatChangesNoRolloutCountIsIgnored() {
        Deployment before = deployment(1, "ReplicaSetUpdated", "2026-11-25T20:00:00Z");
        Deployment after = deployment(1, "ReplicaSetUpdated", "2026-11-25T20:00:05Z");
        assertThat(ChildUpdates.deploymentMatters(after, before)).isFalse();
    }

    @Test
    void aDeploymentGainingAReadyPodMatters() {
        Deployment before = deployment(1, "ReplicaSetUpdated", "2026-11-25T20:00:00Z");
        Deployment after = deployment(2, "ReplicaSetUpdated", "2026-11-25T20:00:05Z");
        assertThat(ChildUpdates.deploymentMatters(after, before)).isTrue();
    }

    @Test
    void aForeignEditOfTheDeploymentMatters() {
        Deployment before = deployment(2, "NewReplicaSetAvailable", "2026-11-25T20:00:00Z");
        Deployment edited = deployment(2, "NewReplicaSetAvailable", "2026-11-25T20:00:00Z");
        edited.getSpec().setReplicas(5);
        Deployment annotated = deployment(2, "NewReplicaSetAvailable", "2026-11-25T20:00:00Z");
        annotated.getMetadata().setAnnotations(Map.of());

        assertThat(ChildUpdates.deploymentMatters(edited, before)).isTrue();
        assertThat(ChildUpdates.deploymentMatters(annotated, before)).isTrue();
    }

    private static Pod pod(boolean ready, String ip, int restarts) {
        return new PodBuilder().withNewMetadata().withName("saas-1").withLabels(Map.of("app", "saas")).endMetadata()
                .withNewStatus().withPodIP(ip)
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .addNewContainerStatus().withName("connector").withRestartCount(restarts).endContainerStatus()
                .endStatus().build();
    }

    @Test
    void aPodBecomingReadyOrMovingMatters() {
        assertThat(ChildUpdates.podMatters(pod(true, "198.18.200.5", 0), pod(false, "198.18.200.5", 0))).isTrue();
        assertThat(ChildUpdates.podMatters(pod(true, "198.18.200.6", 0), pod(true, "198.18.200.5", 0))).isTrue();
    }

    @Test
    void otherPodStatusChangesAreIgnored() {
        assertThat(ChildUpdates.podMatters(pod(true, "198.18.200.5", 1), pod(true, "198.18.200.5", 0))).isFalse();
    }

    private static Service service(String ingressIp) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withName("saas").endMetadata()
                .withNewSpec().withType("LoadBalancer").endSpec();
        if (ingressIp != null) {
            b.withNewStatus().withNewLoadBalancer().addNewIngress().withIp(ingressIp).endIngress().endLoadBalancer()
                    .endStatus();
        }
        return b.build();
    }

    @Test
    void aLoadBalancerAddressMatters() {
        assertThat(ChildUpdates.serviceMatters(service("203.0.113.50"), service(null))).isTrue();
        assertThat(ChildUpdates.serviceMatters(service("203.0.113.50"), service("203.0.113.50"))).isFalse();
    }

    @Test
    void aDisruptionBudgetsStatusIsIgnored() {
        PodDisruptionBudget before = new PodDisruptionBudgetBuilder().withNewMetadata().withName("saas").endMetadata()
                .withNewSpec().withNewMaxUnavailable(1).endSpec()
                .withNewStatus().withCurrentHealthy(1).withDesiredHealthy(1).endStatus().build();
        PodDisruptionBudget after = new PodDisruptionBudgetBuilder(before).editStatus().withCurrentHealthy(2)
                .endStatus().build();
        assertThat(ChildUpdates.podDisruptionBudgetMatters(after, before)).isFalse();
    }
}
