package dev.pinhole.connector;

import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The connector's timer thread (config reloads, egress checks) with every task guarded. A plain scheduled
 * executor swallows what a task throws and silently cancels a periodic task after its first exception, so a
 * connector could stop reloading its config and still look healthy. Here an exception is logged and the task
 * keeps its schedule; an {@link Error} is kept as the {@link #failure()} that takes readiness down.
 */
final class GuardedTimers implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GuardedTimers.class.getName());
    static final String THREAD = "connector-timers";

    private final String name;
    private final ScheduledExecutorService executor;
    private volatile Throwable failure;

    GuardedTimers() {
        this(THREAD);
    }

    /** Timers on one daemon thread called {@code name}. */
    GuardedTimers(String name) {
        this.name = name;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    void execute(Runnable task) {
        executor.execute(guard(task));
    }

    ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return executor.schedule(guard(task), delay, unit);
    }

    ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, long initialDelay, long delay, TimeUnit unit) {
        return executor.scheduleWithFixedDelay(guard(task), initialDelay, delay, unit);
    }

    /** Why the timers can no longer be trusted to run, or empty. */
    Optional<String> failure() {
        Throwable f = failure;
        return f == null ? Optional.empty() : Optional.of("thread " + name + " died: " + f);
    }

    private Runnable guard(Runnable task) {
        return () -> {
            if (failure != null) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "timer task failed; it keeps its schedule", e);
            } catch (Error e) {
                failure = e;
                LOG.log(Level.SEVERE, "timer task died; readiness goes down", e);
            }
        };
    }

    boolean isShutdown() {
        return executor.isShutdown();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
