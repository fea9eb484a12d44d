package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.operator.OperatorSettings;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NextCheckTest {
    private static OperatorSettings.Operator settings(boolean probe) {
        return new OperatorSettings.Operator() {
            public String applyMode() {
                return "server-side-apply";
            }

            public int recheckSeconds() {
                return 30;
            }

            public boolean probeConnectors() {
                return probe;
            }

            public int reportSeconds() {
                return 60;
            }

            public int probeTimeoutMillis() {
                return 1500;
            }

            public int serviceCreateConcurrency() {
                return 4;
            }

            public boolean verifyUrlAllowInternal() {
                return false;
            }
        };
    }

    @Test
    void aSettlingConnectorIsCheckedAgainAfterTheRecheckPeriod() {
        assertThat(AppConnectorReconciler.nextCheck(true, settings(false))).contains(Duration.ofSeconds(30));
    }

    @Test
    void aReadyConnectorIsReadAgainAfterTheReportPeriodWhileProbing() {
        assertThat(AppConnectorReconciler.nextCheck(false, settings(true))).contains(Duration.ofSeconds(60));
    }

    @Test
    void aReadyConnectorWaitsForEventsWhenProbingIsOff() {
        assertThat(AppConnectorReconciler.nextCheck(false, settings(false))).isEmpty();
    }
}
