package dev.pinhole.connector;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Named readiness gates (config valid, tunnel bound, egress verified...). The pod is ready only when every gate
 * that was declared is open: the connector fails closed. Watched gates are not set by events but asked at every
 * probe (is every worker thread still running?), so a failure nobody reported still takes readiness down.
 */
public final class Readiness {
    /** One gate's state and the reason it is closed. */
    public record Gate(boolean open, String detail) {}

    private final Map<String, Gate> gates = new ConcurrentHashMap<>();
    private final Map<String, Supplier<Optional<String>>> watched = new ConcurrentHashMap<>();
    private final AtomicReference<Runnable> onFirstReady = new AtomicReference<>();

    public void declare(String name, String detail) {
        gates.putIfAbsent(name, new Gate(false, detail));
    }

    public void open(String name, String detail) {
        gates.put(name, new Gate(true, detail));
        runIfReady();
    }

    /**
     * Runs {@code action} once, the first time every gate is open: now if they are, else on the thread that opens
     * the last closed one (the start's end: {@link StartTimeline}). Not run again after a later close and open.
     */
    public void whenFirstReady(Runnable action) {
        onFirstReady.set(action);
        runIfReady();
    }

    private void runIfReady() {
        if (onFirstReady.get() != null && ready()) {
            Runnable first = onFirstReady.getAndSet(null);
            if (first != null) {
                first.run();
            }
        }
    }

    public void close(String name, String detail) {
        gates.put(name, new Gate(false, detail));
    }

    /** A gate that is closed whenever {@code failure} returns a reason, asked at every probe. */
    public void watch(String name, Supplier<Optional<String>> failure) {
        watched.put(name, failure);
    }

    /**
     * The first watched gate that reports a failure, as "name: reason", or empty. A watched failure (a worker
     * thread killed by an Error) never heals, so liveness follows it too: the kubelet restarts the pod rather
     * than leaving it unready forever.
     */
    public Optional<String> brokenWorker() {
        for (Map.Entry<String, Supplier<Optional<String>>> w : new TreeMap<>(watched).entrySet()) {
            Optional<String> why = failureOf(w.getValue());
            if (why.isPresent()) {
                return Optional.of(w.getKey() + ": " + why.get());
            }
        }
        return Optional.empty();
    }

    public boolean ready() {
        return snapshot().values().stream().allMatch(Gate::open) && !gates.isEmpty();
    }

    public Map<String, Gate> snapshot() {
        Map<String, Gate> all = new TreeMap<>(gates);
        watched.forEach((name, failure) -> {
            Optional<String> why = failureOf(failure);
            all.put(name, why.map(w -> new Gate(false, w)).orElseGet(() -> new Gate(true, "running")));
        });
        return new LinkedHashMap<>(all);
    }

    private static Optional<String> failureOf(Supplier<Optional<String>> failure) {
        try {
            return failure.get();
        } catch (RuntimeException e) {
            return Optional.of("check failed: " + e);
        }
    }
}
