package dev.pinhole.operator.appconnector;

import dev.pinhole.api.IPSet;
import dev.pinhole.operator.ConditionTypes;
import java.util.Objects;

/** Whether an IPSet's published list is current and usable as routes. */
final class IpSetReadiness {
    private IpSetReadiness() {}

    static boolean isReady(IPSet set) {
        var status = set.getStatus();
        if (status == null || status.getCidrs() == null) {
            return false;
        }
        boolean current = Objects.equals(status.getObservedGeneration(), set.getMetadata().getGeneration());
        return current && status.getConditions().stream()
                .anyMatch(c -> ConditionTypes.READY.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static String why(IPSet set) {
        var status = set.getStatus();
        if (status == null) {
            return "not reconciled yet";
        }
        return status.getConditions().stream()
                .filter(c -> ConditionTypes.READY.equals(c.getType()))
                .map(c -> c.getReason() + ": " + c.getMessage())
                .findFirst()
                .orElse("not reconciled yet");
    }
}
