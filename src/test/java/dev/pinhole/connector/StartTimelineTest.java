package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link StartTimeline}: the one line a connector logs when its start ends. */
class StartTimelineTest {

    @Test
    void namesEveryStepInOrderAndIsGivenOnce() {
        StartTimeline timeline = StartTimeline.begin();
        timeline.ended("config");
        timeline.ended("data plane");

        String line = timeline.readyOnce();

        assertThat(line).matches("ready \\d+ ms after the process started: JVM \\d+, config \\d+, data plane \\d+,"
                + " until ready \\d+ ms");
        assertThat(timeline.readyOnce()).isNull();
    }

    @Test
    void theJvmsStartIsCountedFromTheProcessStart() {
        // This test's JVM has run for a while (at least its own start): more than 0 ms, less than a day.
        long ms = StartTimeline.sinceProcessStartMs();

        assertThat(ms).isBetween(1L, 86_400_000L);
    }
}
