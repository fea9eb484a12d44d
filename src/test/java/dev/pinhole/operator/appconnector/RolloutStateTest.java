package dev.pinhole.operator.appconnector;

import static dev.pinhole.operator.ConditionTypes.DEGRADED;
import static dev.pinhole.operator.ConditionTypes.PROGRESSING;
import static dev.pinhole.operator.ConditionTypes.READY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.operator.ConditionTypes.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RolloutStateTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T00:00:00Z"), ZoneOffset.UTC);

    private static Deployment deployment(long generation, Long observedGeneration, Integer ready, Integer updated) {
        return new DeploymentBuilder()
                .withNewMetadata().withName("saas").withGeneration(generation).endMetadata()
                .withNewStatus()
                    .withObservedGeneration(observedGeneration)
                    .withReadyReplicas(ready)
                    .withUpdatedReplicas(updated)
                .endStatus()
                .build();
    }

    /** The conditions the status aggregator decides from the rollout alone. */
    private static List<Condition> conditions(RolloutState state) {
        return new AppConnectorStatusAggregator(TestConnectors.valid(), CLOCK).publicKey("k").rollout(state).build()
                .getConditions();
    }

    /** "status/reason" of each of Ready, Progressing, Degraded. */
    private static List<String> describe(RolloutState state) {
        List<Condition> conditions = conditions(state);
        return List.of(READY, PROGRESSING, DEGRADED).stream()
                .map(type -> conditions.stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow())
                .map(c -> c.getStatus() + "/" + c.getReason())
                .toList();
    }

    @Test
    void noDeploymentYetIsNotReadyAndProgressing() {
        RolloutState state = RolloutState.of(Optional.empty(), 2);

        assertThat(describe(state)).containsExactly(
                "False/" + Reason.NO_REPLICAS_READY, "True/" + Reason.ROLLING_OUT, "False/" + Reason.AS_EXPECTED);
    }

    @Test
    void deploymentWithoutStatusIsRollingOut() {
        Deployment d = new DeploymentBuilder().withNewMetadata().withGeneration(1L).endMetadata().build();

        assertThat(describe(RolloutState.of(Optional.of(d), 2))).containsExactly(
                "False/" + Reason.NO_REPLICAS_READY, "True/" + Reason.ROLLING_OUT, "False/" + Reason.AS_EXPECTED);
    }

    @Test
    void newGenerationNotYetObservedIsRollingOutAndNotDegraded() {
        RolloutState state = RolloutState.of(Optional.of(deployment(3, 2L, 2, 2)), 2);

        assertThat(describe(state)).containsExactly(
                "True/" + Reason.ALL_REPLICAS_READY, "True/" + Reason.ROLLING_OUT, "False/" + Reason.AS_EXPECTED);
    }

    @Test
    void podsBeingReplacedAreRollingOutNotDegraded() {
        RolloutState state = RolloutState.of(Optional.of(deployment(3, 3L, 1, 1)), 2);

        assertThat(describe(state)).containsExactly(
                "True/" + Reason.SOME_REPLICAS_READY, "True/" + Reason.ROLLING_OUT, "False/" + Reason.AS_EXPECTED);
    }

    @Test
    void allReadyIsReadyStableNotDegraded() {
        RolloutState state = RolloutState.of(Optional.of(deployment(3, 3L, 2, 2)), 2);

        assertThat(describe(state)).containsExactly(
                "True/" + Reason.ALL_REPLICAS_READY, "False/" + Reason.STABLE, "False/" + Reason.AS_EXPECTED);
        assertThat(state.rollingOut()).isFalse();
    }

    @Test
    void someReadyAfterRolloutIsReadyButDegraded() {
        RolloutState state = RolloutState.of(Optional.of(deployment(3, 3L, 1, 2)), 2);

        List<String> described = describe(state);

        assertThat(described.get(0)).isEqualTo("True/" + Reason.SOME_REPLICAS_READY);
        assertThat(described.get(2)).startsWith("True/");
    }

    @Test
    void noneReadyAfterRolloutIsNotReadyAndDegraded() {
        RolloutState state = RolloutState.of(Optional.of(deployment(3, 3L, 0, 2)), 2);

        List<String> described = describe(state);

        assertThat(described.get(0)).isEqualTo("False/" + Reason.NO_REPLICAS_READY);
        assertThat(described.get(2)).startsWith("True/");
    }

    @Test
    void podsStartingWhileTheControllerReportsProgressAreProgressingNotDegraded() {
        Deployment d = deployment(3, 3L, 1, 2);
        d.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
                .withType("Progressing").withStatus("True").withReason("ReplicaSetUpdated").build()));

        List<String> described = describe(RolloutState.of(Optional.of(d), 2));

        assertThat(described.get(1)).isEqualTo("True/" + Reason.ROLLING_OUT);
        assertThat(described.get(2)).isEqualTo("False/" + Reason.AS_EXPECTED);
    }

    @Test
    void aCompletedRolloutMissingPodsIsDegradedNotProgressing() {
        Deployment d = deployment(3, 3L, 1, 2);
        d.getStatus().setConditions(List.of(new io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder()
                .withType("Progressing").withStatus("True").withReason("NewReplicaSetAvailable").build()));

        List<String> described = describe(RolloutState.of(Optional.of(d), 2));

        assertThat(described.get(1)).startsWith("False/");
        assertThat(described.get(2)).isEqualTo("True/ReplicasUnavailable");
    }

    @Test
    void readyMessageCountsPods() {
        List<Condition> conditions = conditions(RolloutState.of(Optional.of(deployment(3, 3L, 1, 2)), 2));

        assertThat(conditions).filteredOn(c -> c.getType().equals(READY))
                .extracting(Condition::getMessage).containsExactly("1/2 connector pods ready");
    }

    @Test
    void scaledToZeroIsNotReadyButStableAndNotDegraded() {
        RolloutState state = RolloutState.of(Optional.of(deployment(3, 3L, null, null)), 0);

        assertThat(describe(state)).containsExactly(
                "False/" + Reason.SCALED_TO_ZERO, "False/" + Reason.STABLE, "False/" + Reason.AS_EXPECTED);
    }

    @Test
    void scaledToZeroWithoutDeploymentIsStillScaledToZero() {
        assertThat(describe(RolloutState.of(Optional.empty(), 0)).get(0)).isEqualTo("False/" + Reason.SCALED_TO_ZERO);
    }

    @Test
    void missingStatusCountsReadAsZero() {
        RolloutState state = RolloutState.of(Optional.of(deployment(1, 1L, null, null)), 2);

        assertThat(state.ready()).isZero();
        assertThat(state.updated()).isZero();
        assertThat(state.exists()).isTrue();
        assertThat(state.generationObserved()).isTrue();
    }
}
