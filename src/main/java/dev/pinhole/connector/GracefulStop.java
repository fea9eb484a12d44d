package dev.pinhole.connector;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What a stop request (SIGTERM) does to a running connector, as a state machine: the first request closes the
 * {@value #GATE} readiness gate at once (the load balancer stops choosing this replica) and starts the drain, during
 * which flows keep being forwarded; the drain ends when its period is over or at a second request. The caller then
 * closes every flow and exits.
 *
 * <p>New flows are still accepted while draining: a client that the load balancer has not moved yet has nowhere
 * else to go, and refusing it would turn the load balancer's detection time into failed requests.
 */
final class GracefulStop {
    /** The readiness gate a stop closes. */
    static final String GATE = "stopping";

    /** Where the stop is. */
    enum Phase { RUNNING, DRAINING, ENDED }

    private final Readiness readiness;
    private final Duration drain;
    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private Phase phase = Phase.RUNNING;

    GracefulStop(Readiness readiness, Duration drain) {
        if (drain.isNegative()) {
            throw new IllegalArgumentException("drain period must not be negative: " + drain);
        }
        this.readiness = readiness;
        this.drain = drain;
    }

    /** A stop request (a signal): the first starts the drain, any later one ends it. */
    synchronized void request() {
        switch (phase) {
            case RUNNING -> {
                phase = Phase.DRAINING;
                readiness.close(GATE, "stopping: draining existing flows for at most " + drain.toSeconds()
                        + " s before closing them");
                requested.countDown();
            }
            case DRAINING -> end();
            case ENDED -> { }
        }
    }

    /** A stop with no drain: the replica never served (a SIGTERM that arrived while it was starting). */
    synchronized void requestWithoutDrain() {
        request();
        if (phase == Phase.DRAINING) {
            end();
        }
    }

    synchronized Phase phase() {
        return phase;
    }

    private void end() {
        phase = Phase.ENDED;
        ended.countDown();
    }

    /** Blocks until a stop was requested and its drain is over (period elapsed or a second request). */
    void awaitEnd() throws InterruptedException {
        requested.await();
        ended.await(drain.toNanos(), TimeUnit.NANOSECONDS);
        synchronized (this) {
            if (phase != Phase.ENDED) {
                end();
            }
        }
    }
}
