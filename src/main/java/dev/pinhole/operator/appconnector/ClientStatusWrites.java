package dev.pinhole.operator.appconnector;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the Client status writes one reconcile decided, a bounded number at a time, and waits for all of them.
 *
 * <p>Each write is one API round trip, and one by one they were the whole reconcile: bench/clients.sh measured
 * ~10 writes/s on the busy machine, so 4,990 new Clients took minutes to be admitted while the operator's CPU stood
 * at a few percent, and every later Client waited behind the reconcile writing them. The pool is shared by every
 * connector, so however many reconcile at once, at most {@code concurrency} writes are in flight.
 */
final class ClientStatusWrites {
    /** What one write came to. */
    enum Outcome {
        WRITTEN,
        /** Someone changed the Client since the cache saw it: left for the next reconcile. */
        CONFLICT,
        /** The Client is gone. */
        GONE
    }

    /** One Client's status write. */
    @FunctionalInterface
    interface Write {
        Outcome run();
    }

    private final ExecutorService pool;

    ClientStatusWrites(int concurrency) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "client-status-write-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs every write and returns once all have ended: true when any ended in a conflict. A write that threw does
     * not stop the others; the first such exception is rethrown after all ended (the reconcile then fails and is
     * retried, as with one write).
     */
    boolean runAll(List<Write> writes) {
        if (writes.isEmpty()) {
            return false;
        }
        List<Future<Outcome>> futures = new ArrayList<>(writes.size());
        for (Write w : writes) {
            futures.add(pool.submit(w::run));
        }
        boolean conflict = false;
        RuntimeException failure = null;
        for (Future<Outcome> f : futures) {
            try {
                conflict |= f.get() == Outcome.CONFLICT;
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(x -> x.cancel(true));
                throw new IllegalStateException("interrupted while writing Client statuses", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return conflict;
    }
}
