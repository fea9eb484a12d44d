package dev.pinhole.nat;

import dev.pinhole.time.Ticker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread that owns every flow: a {@link Selector} for the real sockets, a task queue other threads post
 * to (decrypted packets, DNS answers, config changes), and timers in monotonic ticker time.
 *
 * <p>Each iteration: wait for I/O, a task or the earliest timer → run posted tasks → handle ready channels → run
 * due timers → the end-of-round action (a batched sender flushes what the round queued, before the loop waits).
 * Nothing blocks inside the loop; a handler that throws is logged and the loop goes on.
 */
public final class RelayLoop implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RelayLoop.class.getName());
    /** Upper bound of one wait, so a fake ticker moved by a test is noticed without a wakeup. */
    private static final long MAX_WAIT_MILLIS = 250;
    static final int SCRATCH_BYTES = 64 * 1024;

    /** Reacts to readiness of a registered channel; runs on the loop thread. */
    @FunctionalInterface
    public interface IoHandler {
        void onReady(SelectionKey key);
    }

    /** A re-armable one-shot timer owned by the loop; arm and disarm only on the loop thread. */
    public final class Timer {
        private final Runnable action;
        private long deadline;
        private long generation;
        private boolean armed;

        private Timer(Runnable action) {
            this.action = action;
        }

        /** Fires once at {@code deadlineNanos} (ticker time) unless re-armed or disarmed first. */
        public void arm(long deadlineNanos) {
            if (armed && deadline == deadlineNanos) {
                return;
            }
            armed = true;
            deadline = deadlineNanos;
            generation++;
            timers.add(new Due(deadlineNanos, this, generation));
        }

        public void disarm() {
            armed = false;
            generation++;
        }

        public boolean armed() {
            return armed;
        }
    }

    private record Due(long deadline, Timer timer, long generation) {}

    private final Ticker ticker;
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final PriorityQueue<Due> timers = new PriorityQueue<>((a, b) -> Long.compare(a.deadline - b.deadline, 0));
    /** Loop-owned I/O scratch: lent to one handler call at a time, never kept. */
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH_BYTES);
    private volatile boolean running = true;

    private volatile Throwable failure;
    private volatile boolean started;
    /** Runs at the end of every iteration, before the next wait; set once by the owner. */
    private volatile Runnable endOfRound = () -> { };

    private RelayLoop(String name, Ticker ticker) throws IOException {
        this.ticker = ticker;
        this.selector = Selector.open();
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    public static RelayLoop start(String name, Ticker ticker) {
        try {
            RelayLoop loop = new RelayLoop(name, ticker);
            loop.started = true;
            loop.thread.start();
            return loop;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
    }

    public Ticker ticker() {
        return ticker;
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop thread soon; safe from any thread. Wakeups are coalesced. */
    public void execute(Runnable task) {
        tasks.add(task);
        if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    /** Runs {@code task} on the loop and completes with its result (for control calls and tests). */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /**
     * Sets what runs on the loop thread at the end of every iteration, before it waits again (a batched sender's
     * flush: what the iteration queued must leave before the loop sleeps).
     */
    public void endOfRound(Runnable action) {
        this.endOfRound = action;
    }

    /** A new disarmed timer; its action runs on the loop thread. */
    public Timer timer(Runnable action) {
        return new Timer(action);
    }

    /** Registers {@code channel} (loop thread only). */
    public SelectionKey register(SelectableChannel channel, int ops, IoHandler handler) throws ClosedChannelException {
        return channel.register(selector, ops, handler);
    }

    /** The loop's scratch buffer, cleared; valid until the calling handler returns. */
    ByteBuffer scratch() {
        return scratch.clear();
    }

    /**
     * Why the loop thread stopped while it should be running, or empty while it runs. A handler's exception is
     * logged and the loop goes on; an {@link Error} (out of memory, stack overflow) ends the thread, because
     * nothing is known to be consistent after it, and is reported here so readiness can go down.
     */
    public Optional<String> failure() {
        Throwable f = failure;
        if (f != null) {
            return Optional.of("thread " + thread.getName() + " died: " + f);
        }
        if (running && started && !thread.isAlive()) {
            return Optional.of("thread " + thread.getName() + " exited");
        }
        return Optional.empty();
    }

    private void run() {
        try {
            loop();
        } catch (Throwable t) {
            failure = t;
            LOG.log(Level.SEVERE, "relay loop thread died; nothing is forwarded any more", t);
        }
    }

    private void loop() {
        while (running) {
            try {
                if (tasks.isEmpty()) {
                    selector.select(waitMillis());
                } else {
                    // Tasks the loop posted to itself (no wakeup): poll the sockets without sleeping.
                    selector.selectNow();
                }
                wakeupPending.set(false);
                runTasks();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isValid()) {
                        try {
                            ((IoHandler) key.attachment()).onReady(key);
                        } catch (RuntimeException e) {
                            LOG.log(Level.SEVERE, "relay handler failed", e);
                        }
                    }
                }
                runDueTimers();
                endOfRound.run();
            } catch (IOException e) {
                if (running) {
                    LOG.log(Level.WARNING, "selector failed", e);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "relay loop task failed", e);
            }
        }
    }

    private long waitMillis() {
        if (!tasks.isEmpty()) {
            return 1;
        }
        Due first = timers.peek();
        if (first == null) {
            return MAX_WAIT_MILLIS;
        }
        long millis = (first.deadline - ticker.nanoTime() + 999_999) / 1_000_000L;
        return Math.max(1, Math.min(MAX_WAIT_MILLIS, millis));
    }

    /** Runs the tasks queued so far; what they post runs in the next iteration, after socket I/O and timers. */
    private void runTasks() {
        Runnable task;
        for (int n = tasks.size(); n > 0 && (task = tasks.poll()) != null; n--) {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "relay loop task failed", e);
            }
        }
    }

    /** Fires every timer due at the ticker's current time (loop thread only). */
    public void runDueTimers() {
        long now = ticker.nanoTime();
        Due due;
        while ((due = timers.peek()) != null && now - due.deadline >= 0) {
            timers.poll();
            Timer t = due.timer;
            if (t.armed && t.generation == due.generation) {
                t.armed = false;
                try {
                    t.action.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.SEVERE, "relay timer failed", e);
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey key : selector.keys()) {
            try {
                key.channel().close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
