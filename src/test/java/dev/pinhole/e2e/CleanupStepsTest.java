package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Clean-up steps of the real-node e2e test: every step runs, the first failure comes out with the rest attached. */
class CleanupStepsTest {

    @Test
    void everyStepRunsAfterEarlierStepsThrew() {
        List<String> ran = new ArrayList<>();
        CleanupSteps steps = new CleanupSteps();
        steps.run("operator log", () -> {
            throw new IOException("pod log unreadable");
        });
        steps.run("laptop-down", () -> {
            throw new IllegalStateException("node.sh laptop-down -> exit 1");
        });
        steps.run("stop the SaaS", () -> ran.add("saas"));
        steps.run("delete the namespace", () -> ran.add("namespace"));

        assertThat(ran).containsExactly("saas", "namespace");
    }

    @Test
    void theFirstFailureIsRethrownWithTheLaterOnesSuppressed() {
        CleanupSteps steps = new CleanupSteps();
        IOException log = new IOException("pod log unreadable");
        IllegalStateException laptop = new IllegalStateException("node.sh laptop-down -> exit 1");
        AssertionError rollout = new AssertionError("operator rollout timed out");
        steps.run("operator log", () -> {
            throw log;
        });
        steps.run("laptop-down", () -> {
            throw laptop;
        });
        steps.run("operator settings back", () -> {
            throw rollout;
        });

        assertThatThrownBy(steps::rethrowFirst).isSameAs(log);
        assertThat(log.getSuppressed()).containsExactly(laptop, rollout);
    }

    @Test
    void nothingIsThrownWhenEveryStepSucceeds() {
        CleanupSteps steps = new CleanupSteps();
        steps.run("a", () -> { });
        steps.run("b", () -> { });

        assertThatCode(steps::rethrowFirst).doesNotThrowAnyException();
    }
}
