package dev.pinhole.connector;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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

    public void declare(String name, String detail) {
        gates.putIfAbsent(name, new Gate(false, detail));
    }

    public void open(String name, String detail) {
        gates.put(name, new Gate(true, detail));
    }

    public void close(String name, String detail) {
        gates.put(name, new Gate(false, detail));
    }

    /** A gate that is closed whenever {@code failure} returns a reason, asked at every probe. */
    public void watch(String name, Supplier<Optional<String>> failure) {
        watched.put(name, failure);
    }

    public boolean ready() {
        return snapshot().values().stream().allMatch(Gate::open) && !gates.isEmpty();
    }

    public Map<String, Gate> snapshot() {
        Map<String, Gate> all = new TreeMap<>(gates);
        watched.forEach((name, failure) -> {
            Optional<String> why;
            try {
                why = failure.get();
            } catch (RuntimeException e) {
                why = Optional.of("check failed: " + e);
            }
            all.put(name, why.map(w -> new Gate(false, w)).orElseGet(() -> new Gate(true, "running")));
        });
        return new LinkedHashMap<>(all);
    }
}
