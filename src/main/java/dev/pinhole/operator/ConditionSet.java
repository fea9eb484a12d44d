package dev.pinhole.operator;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one place that changes conditions. Callers state facts ({@link #set}); this keeps lastTransitionTime when a
 * condition's status did not change, stamps observedGeneration, and yields a stable order so an unchanged status
 * compares equal and is not written.
 */
public final class ConditionSet {
    /** Condition status values as Kubernetes spells them. */
    public enum Status { True, False, Unknown }

    private final Map<String, Condition> previous = new LinkedHashMap<>();
    private final Map<String, Condition> next = new LinkedHashMap<>();
    private final long generation;
    private final Clock clock;

    public ConditionSet(List<Condition> previous, long generation, Clock clock) {
        if (previous != null) {
            for (Condition c : previous) {
                this.previous.put(c.getType(), c);
            }
        }
        this.generation = generation;
        this.clock = clock;
    }

    /** Records the condition's current truth. */
    public ConditionSet set(String type, Status status, String reason, String message) {
        Condition before = previous.get(type);
        String transition = before != null && Objects.equals(before.getStatus(), status.name())
                && before.getLastTransitionTime() != null
                ? before.getLastTransitionTime()
                : DateTimeFormatter.ISO_INSTANT.format(Instant.now(clock).truncatedTo(ChronoUnit.SECONDS));
        next.put(type, new ConditionBuilder()
                .withType(type)
                .withStatus(status.name())
                .withReason(reason)
                .withMessage(message == null ? "" : message)
                .withObservedGeneration(generation)
                .withLastTransitionTime(transition)
                .build());
        return this;
    }

    /** True when {@code type} was set now with a status different from before (or did not exist). */
    public boolean changed(String type) {
        Condition now = next.get(type);
        Condition before = previous.get(type);
        return now != null && (before == null || !Objects.equals(before.getStatus(), now.getStatus()));
    }

    /** The condition set now for {@code type}, null when not set. */
    public Condition current(String type) {
        return next.get(type);
    }

    public String statusOf(String type) {
        Condition c = next.get(type);
        return c == null ? null : c.getStatus();
    }

    /** The conditions set now, sorted by type; conditions not set now are dropped. */
    public List<Condition> toList() {
        List<Condition> out = new ArrayList<>(next.values());
        out.sort(Comparator.comparing(Condition::getType));
        return out;
    }
}
