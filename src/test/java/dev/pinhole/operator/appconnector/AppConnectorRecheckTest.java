package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When the AppConnector reconciler looks again without waiting for a Kubernetes event. */
class AppConnectorRecheckTest {

    @Test
    void aReadySettledConnectorIsNotRecheckedWithoutProbing() {
        assertThat(AppConnectorReconciler.needsRecheck("True", "False", false)).isFalse();
    }

    @Test
    void aReadySettledConnectorIsRecheckedWhileProbingBecauseItsPodsReportChangesNoEventAnnounces() {
        assertThat(AppConnectorReconciler.needsRecheck("True", "False", true)).isTrue();
    }

    @Test
    void aConnectorThatIsNotReadyIsRechecked() {
        assertThat(AppConnectorReconciler.needsRecheck("False", "False", false)).isTrue();
        assertThat(AppConnectorReconciler.needsRecheck(null, null, false)).isTrue();
    }

    @Test
    void aRolloutUnderWayIsRechecked() {
        assertThat(AppConnectorReconciler.needsRecheck("True", "True", false)).isTrue();
    }
}
