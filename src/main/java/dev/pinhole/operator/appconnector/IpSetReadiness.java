package dev.pinhole.operator.appconnector;

import dev.pinhole.api.IPSet;
import dev.pinhole.operator.ConditionTypes;
import java.util.Objects;

/** Whether an IPSet's published list is current and usable as routes. */
final class IpSetReadiness {
    /**
     * What a connector can make of a referenced set: use it, wait for the IPSet reconciler (no status yet, or a
     * status of an older generation, whose Ready says nothing about the current spec), or report it as failed.
     */
    enum State { READY, PENDING, FAILED }

    private IpSetReadiness() {}

    static State of(IPSet set) {
        var status = set.getStatus();
        if (status == null || !Objects.equals(status.getObservedGeneration(), set.getMetadata().getGeneration())) {
            return State.PENDING;
        }
        boolean ready = status.getCidrs() != null && status.getConditions().stream()
                .anyMatch(c -> ConditionTypes.READY.equals(c.getType()) && "True".equals(c.getStatus()));
        return ready ? State.READY : State.FAILED;
    }

    static boolean isReady(IPSet set) {
        return of(set) == State.READY;
    }

    /** Why a set is not usable; never quotes a condition of an older generation. */
    static String why(IPSet set) {
        if (of(set) == State.PENDING) {
            return "not reconciled yet";
        }
        return set.getStatus().getConditions().stream()
                .filter(c -> ConditionTypes.READY.equals(c.getType()))
                .map(c -> c.getReason() + ": " + c.getMessage())
                .findFirst()
                .orElse("no Ready condition");
    }
}
