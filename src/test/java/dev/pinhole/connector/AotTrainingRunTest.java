package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The image build's training run goes the whole way a pod's start goes: ready (egress verified), then each probe. */
class AotTrainingRunTest {

    @Test
    void aTrainingRunIsReadyThroughTheEgressCheckAndEveryEndpointAnswers() throws Exception {
        Map<String, Integer> answers = AotTrainingRun.run(Duration.ofSeconds(30));

        assertThat(answers).containsOnlyKeys(AotTrainingRun.ENDPOINTS);
        assertThat(answers).allSatisfy((path, code) -> assertThat(code).as(path).isEqualTo(200));
    }
}
