package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes side of {@link InClusterOperator}, which the suite uses on Kind only, checked on test/cluster so it
 * cannot rot unseen: against a stand-in Deployment shaped like the chart's (one replica, Recreate, an "operator"
 * container; kwok runs its pods), environment overrides roll out and are taken back, a restart gives a new Ready
 * pod, a pod that goes away is seen as a dead operator, and pause/resume scale it. Metrics and logs need a process
 * behind the pod, so only Kind exercises them. Skipped with an in-cluster operator (Kind), where every other class
 * uses the real Deployment.
 */
@Tag("e2e")
class InClusterOperatorE2ETest {
    private static KubernetesClient client;
    private static String ns;

    @BeforeAll
    static void start() {
        if (OperatorUnderTest.inCluster()) {
            String why = "the suite runs against the real in-cluster operator here (PINHOLE_E2E_OPERATOR=in-cluster);"
                    + " this class checks the harness against a stand-in on test/cluster";
            System.err.println("SKIPPED InClusterOperatorE2ETest: " + why);
            Assumptions.abort(why);
        }
        client = E2ECluster.connect(InClusterOperatorE2ETest.class);
        ns = E2ECluster.createNamespace(client, "incluster");
        client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
                .withNewMetadata().withName("stand-in").endMetadata()
                .withNewSpec().withReplicas(1).withNewStrategy().withType("Recreate").endStrategy()
                .withNewSelector().addToMatchLabels("app", "stand-in").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "stand-in").endMetadata()
                .withNewSpec().addNewContainer().withName(InClusterOperator.CONTAINER)
                // kwok never pulls images; the name only has to be valid.
                .withImage("example.invalid/pinhole/stand-in:1").addNewEnv().withName("KEPT").withValue("1").endEnv()
                .addNewEnv().withName("CHANGED").withValue("before").endEnv().endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
    }

    @AfterAll
    static void stop() throws Exception {
        E2ECluster.tearDown(client, ns, null);
    }

    @Test
    void environmentOverridesRollOutAndAreTakenBackOnClose() {
        InClusterOperator plain = InClusterOperator.attach(client, ns, "stand-in", Map.of());
        String before = plain.pod().getMetadata().getUid();

        InClusterOperator overridden = InClusterOperator.attach(client, ns, "stand-in",
                Map.of("CHANGED", "after", "ADDED", "yes"));
        assertThat(env(overridden.pod())).containsExactly(new EnvVar("KEPT", "1", null),
                new EnvVar("CHANGED", "after", null), new EnvVar("ADDED", "yes", null));
        assertThat(overridden.pod().getMetadata().getUid()).isNotEqualTo(before);
        assertThat(overridden.isAlive()).isTrue();

        Pod overriddenPod = overridden.pod();
        overridden.close();
        InClusterOperator restored = InClusterOperator.attach(client, ns, "stand-in", Map.of());
        assertThat(env(restored.pod())).containsExactly(new EnvVar("KEPT", "1", null),
                new EnvVar("CHANGED", "before", null));
        Pod old = client.pods().inNamespace(ns).withName(overriddenPod.getMetadata().getName()).get();
        assertThat(old == null || old.getMetadata().getDeletionTimestamp() != null)
                .as("the overridden pod is gone").isTrue();
    }

    @Test
    void aRestartGivesANewReadyPodAndALostPodIsADeadOperator() {
        InClusterOperator operator = InClusterOperator.attach(client, ns, "stand-in", Map.of());
        String first = operator.pod().getMetadata().getUid();

        operator.restart(client);
        assertThat(operator.pod().getMetadata().getUid()).isNotEqualTo(first);
        assertThat(operator.isAlive()).isTrue();

        client.pods().inNamespace(ns).withName(operator.pod().getMetadata().getName()).delete();
        assertThat(operator.isAlive()).isFalse();
    }

    @Test
    void pauseScalesToZeroAndResumeWaitsForAReadyPod() {
        InClusterOperator.attach(client, ns, "stand-in", Map.of());

        Runnable resume = InClusterOperator.pause(client, ns, "stand-in");
        assertThat(client.pods().inNamespace(ns).withLabel("app", "stand-in").list().getItems()).isEmpty();
        resume.run();

        assertThat(InClusterOperator.attach(client, ns, "stand-in", Map.of()).isAlive()).isTrue();
    }

    private static List<EnvVar> env(Pod pod) {
        return pod.getSpec().getContainers().get(0).getEnv();
    }
}
