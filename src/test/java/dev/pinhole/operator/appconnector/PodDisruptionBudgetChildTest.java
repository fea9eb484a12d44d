package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the connector's PodDisruptionBudget is re-applied, and when there is one at all. */
class PodDisruptionBudgetChildTest {
    private final PodDisruptionBudgetChild child = PodDisruptionBudgetChild.of(TestConnectors.valid());

    @Test
    void theDisruptionControllersStatusIsNotDrift() {
        PodDisruptionBudget live = Serialization.clone(child.desired());
        live.setStatus(new PodDisruptionBudgetStatusBuilder().withCurrentHealthy(2).withDesiredHealthy(1)
                .withDisruptionsAllowed(1).withExpectedPods(2).build());

        assertThat(child.matches(live)).isTrue();
    }

    @Test
    void aLooserBudgetIsDrift() {
        PodDisruptionBudget live = Serialization.clone(child.desired());
        live.getSpec().setMaxUnavailable(new IntOrString(2));

        assertThat(child.matches(live)).isFalse();
    }

    @Test
    void aSelectorOverOtherPodsIsDrift() {
        PodDisruptionBudget live = Serialization.clone(child.desired());
        live.getSpec().getSelector().setMatchLabels(Map.of("app", "someone-else"));

        assertThat(child.matches(live)).isFalse();
    }

    @Test
    void onlyMoreThanOneReplicaWantsABudget() {
        assertThat(PodDisruptionBudgetChild.wanted(2)).isTrue();
        assertThat(PodDisruptionBudgetChild.wanted(1)).isFalse();
        assertThat(PodDisruptionBudgetChild.wanted(0)).isFalse();
    }
}
