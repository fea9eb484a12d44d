package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetStatus;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpSetReadinessTest {
    private static IPSet set(long generation, Long observed, String readyStatus, List<String> cidrs) {
        IPSet set = new IPSet();
        set.setMetadata(new ObjectMetaBuilder().withName("vendors").withGeneration(generation).build());
        IPSetStatus status = new IPSetStatus();
        status.setObservedGeneration(observed);
        status.setCidrs(cidrs);
        if (readyStatus != null) {
            status.setConditions(List.of(new ConditionBuilder().withType("Ready").withStatus(readyStatus)
                    .withReason("False".equals(readyStatus) ? "InvalidEntry" : "Resolved")
                    .withMessage("False".equals(readyStatus) ? "spec.addresses[0]: bad" : "").build()));
        }
        set.setStatus(status);
        return set;
    }

    @Test
    void readyAndCurrentSetIsUsable() {
        assertThat(IpSetReadiness.isReady(set(2, 2L, "True", List.of("198.51.100.0/24")))).isTrue();
    }

    @Test
    void statusOfAnOlderGenerationIsNotUsable() {
        assertThat(IpSetReadiness.isReady(set(3, 2L, "True", List.of("198.51.100.0/24")))).isFalse();
    }

    @Test
    void notReadySetIsNotUsable() {
        assertThat(IpSetReadiness.isReady(set(2, 2L, "False", List.of()))).isFalse();
    }

    @Test
    void unreconciledSetIsNotUsable() {
        IPSet set = new IPSet();
        set.setMetadata(new ObjectMetaBuilder().withName("vendors").withGeneration(1L).build());

        assertThat(IpSetReadiness.isReady(set)).isFalse();
        assertThat(IpSetReadiness.why(set)).isEqualTo("not reconciled yet");
    }

    @Test
    void whyQuotesTheReadyReasonAndMessage() {
        assertThat(IpSetReadiness.why(set(2, 2L, "False", List.of())))
                .isEqualTo("InvalidEntry: spec.addresses[0]: bad");
    }

    @Test
    @dev.pinhole.testing.Adversarial
    void aStatusLaggingItsGenerationIsPendingAndItsOldReadyIsNeverQuoted() {
        IPSet lagging = set(3, 2L, "True", List.of("198.51.100.0/24"));
        assertThat(IpSetReadiness.of(lagging)).isEqualTo(IpSetReadiness.State.PENDING);
        assertThat(IpSetReadiness.why(lagging)).isEqualTo("not reconciled yet");
    }
}
