package dev.pinhole.connector;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named readiness gates (config valid, tunnel bound, egress verified...). The pod is ready only when every gate
 * that was declared is open: the connector fails closed.
 */
public final class Readiness {
    /** One gate's state and the reason it is closed. */
    public record Gate(boolean open, String detail) {}

    private final Map<String, Gate> gates = new ConcurrentHashMap<>();

    public void declare(String name, String detail) {
        gates.putIfAbsent(name, new Gate(false, detail));
    }

    public void open(String name, String detail) {
        gates.put(name, new Gate(true, detail));
    }

    public void close(String name, String detail) {
        gates.put(name, new Gate(false, detail));
    }

    public boolean ready() {
        return !gates.isEmpty() && gates.values().stream().allMatch(Gate::open);
    }

    public Map<String, Gate> snapshot() {
        return new LinkedHashMap<>(new java.util.TreeMap<>(gates));
    }
}
