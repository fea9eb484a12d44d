package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link Readiness#whenFirstReady}: the start's end is the first time every gate is open, and only that time. */
class ReadinessFirstReadyTest {
    private final Readiness readiness = new Readiness();
    private final AtomicInteger runs = new AtomicInteger();

    @Test
    void runsWhenTheLastClosedGateOpens() {
        readiness.open("config", "loaded");
        readiness.declare("egress", "not verified yet");
        readiness.whenFirstReady(runs::incrementAndGet);
        assertThat(runs).hasValue(0);

        readiness.open("egress", "verified");

        assertThat(runs).hasValue(1);
    }

    @Test
    void runsAtOnceWhenEveryGateIsOpenAlready() {
        readiness.open("config", "loaded");

        readiness.whenFirstReady(runs::incrementAndGet);

        assertThat(runs).hasValue(1);
    }

    @Test
    void aLaterCloseAndOpenIsNotAnotherStart() {
        readiness.open("egress", "verified");
        readiness.whenFirstReady(runs::incrementAndGet);

        readiness.close("egress", "observed 198.51.100.7");
        readiness.open("egress", "verified");

        assertThat(runs).hasValue(1);
    }

    @Test
    void aFailedWorkerKeepsItWaiting() {
        readiness.open("config", "loaded");
        readiness.watch("workers", () -> Optional.of("relay loop died"));
        readiness.whenFirstReady(runs::incrementAndGet);

        readiness.open("tunnel", "bound");

        assertThat(runs).hasValue(0);
    }
}
