package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which AppConnectors are still settling, so the reconciler looks again without waiting for an event. */
class AppConnectorRecheckTest {

    @Test
    void aReadySettledConnectorIsNotSettling() {
        assertThat(AppConnectorReconciler.settling("True", "False")).isFalse();
    }

    @Test
    void aConnectorThatIsNotReadyIsSettling() {
        assertThat(AppConnectorReconciler.settling("False", "False")).isTrue();
        assertThat(AppConnectorReconciler.settling(null, null)).isTrue();
    }

    @Test
    void aRolloutUnderWayIsSettling() {
        assertThat(AppConnectorReconciler.settling("True", "True")).isTrue();
    }
}
