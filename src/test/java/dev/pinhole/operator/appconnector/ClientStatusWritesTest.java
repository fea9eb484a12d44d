package dev.pinhole.operator.appconnector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClientStatusWritesTest {
    /** A write that waits (generously) until {@code latch} counts down: it can only pass when all run at once. */
    private static ClientStatusWrites.Write meetingAt(CountDownLatch latch, List<Boolean> met) {
        return () -> {
            latch.countDown();
            try {
                met.add(latch.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                met.add(false);
            }
            return ClientStatusWrites.Outcome.WRITTEN;
        };
    }

    @Test
    void writesOfOneReconcileAreInFlightTogether() {
        // One write at a time, the first would wait for the other seven that never start: 30 s and false.
        ClientStatusWrites writes = new ClientStatusWrites(8);
        CountDownLatch latch = new CountDownLatch(8);
        List<Boolean> met = Collections.synchronizedList(new ArrayList<>());
        List<ClientStatusWrites.Write> batch = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            batch.add(meetingAt(latch, met));
        }

        assertFalse(writes.runAll(batch));
        assertEquals(List.of(true, true, true, true, true, true, true, true), met);
    }

    @Test
    void neverMoreInFlightThanTheBound() {
        ClientStatusWrites writes = new ClientStatusWrites(3);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        List<ClientStatusWrites.Write> batch = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            batch.add(() -> {
                most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                Thread.yield();
                inFlight.decrementAndGet();
                ran.incrementAndGet();
                return ClientStatusWrites.Outcome.WRITTEN;
            });
        }

        writes.runAll(batch);
        assertEquals(200, ran.get());
        assertTrue(most.get() <= 3, "at most 3 writes in flight, saw " + most.get());
    }

    @Test
    void aConflictLeavesTheReconcilePending() {
        ClientStatusWrites writes = new ClientStatusWrites(2);
        assertTrue(writes.runAll(List.of(() -> ClientStatusWrites.Outcome.WRITTEN,
                () -> ClientStatusWrites.Outcome.CONFLICT, () -> ClientStatusWrites.Outcome.GONE)));
        assertFalse(writes.runAll(List.of(() -> ClientStatusWrites.Outcome.GONE)));
    }

    @Test
    void aFailedWriteIsRethrownOnlyAfterEveryOtherWriteRan() {
        ClientStatusWrites writes = new ClientStatusWrites(2);
        RuntimeException refused = new IllegalStateException("HTTP 403");
        AtomicInteger ran = new AtomicInteger();
        List<ClientStatusWrites.Write> batch = new ArrayList<>();
        batch.add(() -> {
            throw refused;
        });
        for (int i = 0; i < 20; i++) {
            batch.add(() -> {
                ran.incrementAndGet();
                return ClientStatusWrites.Outcome.WRITTEN;
            });
        }

        assertSame(refused, assertThrows(IllegalStateException.class, () -> writes.runAll(batch)));
        assertEquals(20, ran.get());
    }
}
