package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The stop state machine: not ready at the first request, drain until the period or a second request. */
class GracefulStopTest {
    private final Readiness readiness = readyConnector();

    private static Readiness readyConnector() {
        Readiness r = new Readiness();
        r.open("config", "loaded");
        return r;
    }

    @Test
    void theFirstRequestClosesReadinessWithTheReasonStopping() {
        GracefulStop stop = new GracefulStop(readiness, Duration.ofSeconds(20));
        stop.request();
        assertThat(readiness.ready()).isFalse();
        assertThat(readiness.snapshot().get(GracefulStop.GATE).detail()).startsWith("stopping");
        assertThat(stop.phase()).isEqualTo(GracefulStop.Phase.DRAINING);
    }

    @Test
    void aConfigReloadDuringTheDrainDoesNotMakeItReadyAgain() {
        GracefulStop stop = new GracefulStop(readiness, Duration.ofSeconds(20));
        stop.request();
        readiness.open("config", "config reloaded");
        assertThat(readiness.ready()).isFalse();
    }

    @Test
    void theDrainDoesNotEndBeforeAStopWasRequested() throws Exception {
        GracefulStop stop = new GracefulStop(readiness, Duration.ZERO);
        CompletableFuture<Void> ended = CompletableFuture.runAsync(() -> {
            try {
                stop.awaitEnd();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.sleep(200);
        assertThat(ended).isNotDone();
        stop.request();
        ended.get(5, TimeUnit.SECONDS);
        assertThat(stop.phase()).isEqualTo(GracefulStop.Phase.ENDED);
    }

    @Test
    void aSecondRequestEndsALongDrainAtOnce() throws Exception {
        GracefulStop stop = new GracefulStop(readiness, Duration.ofHours(1));
        stop.request();
        CompletableFuture<Void> ended = CompletableFuture.runAsync(() -> {
            try {
                stop.awaitEnd();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.sleep(100);
        assertThat(ended).isNotDone();
        stop.request();
        ended.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aNegativeDrainIsRefused() {
        assertThatThrownBy(() -> new GracefulStop(readiness, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
