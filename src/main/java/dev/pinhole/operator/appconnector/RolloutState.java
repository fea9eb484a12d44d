package dev.pinhole.operator.appconnector;

import static dev.pinhole.operator.ConditionTypes.DEGRADED;
import static dev.pinhole.operator.ConditionTypes.PROGRESSING;
import static dev.pinhole.operator.ConditionTypes.READY;

import dev.pinhole.operator.ConditionSet;
import dev.pinhole.operator.ConditionSet.Status;
import dev.pinhole.operator.ConditionTypes.Reason;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.util.Optional;

/** The connector Deployment's rollout as the cluster reports it, and the conditions that follow from it. */
public record RolloutState(int desired, int ready, int updated, boolean generationObserved, boolean exists,
                           boolean controllerProgressing) {

    public static RolloutState of(Optional<Deployment> deployment, int desired) {
        if (deployment.isEmpty()) {
            return new RolloutState(desired, 0, 0, false, false, false);
        }
        Deployment d = deployment.get();
        DeploymentStatus s = d.getStatus();
        long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
        boolean observed = s != null && s.getObservedGeneration() != null && s.getObservedGeneration() >= generation;
        return new RolloutState(desired,
                s == null || s.getReadyReplicas() == null ? 0 : s.getReadyReplicas(),
                s == null || s.getUpdatedReplicas() == null ? 0 : s.getUpdatedReplicas(),
                observed, true, controllerProgressing(s));
    }

    /**
     * The Deployment controller's own view: Progressing=True with a reason other than NewReplicaSetAvailable
     * means pods are still being replaced or started; once complete (or past its deadline) missing pods are a
     * degradation, not progress.
     */
    private static boolean controllerProgressing(DeploymentStatus s) {
        return s != null && s.getConditions() != null && s.getConditions().stream().anyMatch(c ->
                "Progressing".equals(c.getType()) && "True".equals(c.getStatus())
                        && !"NewReplicaSetAvailable".equals(c.getReason()));
    }

    public boolean rollingOut() {
        return !exists || !generationObserved || updated < desired || (ready < desired && controllerProgressing);
    }

    /** Sets Ready, Progressing and Degraded from the rollout. */
    public void describe(ConditionSet conditions) {
        if (desired == 0) {
            conditions.set(READY, Status.False, Reason.SCALED_TO_ZERO, "spec.replicas is 0: nothing carries traffic");
            conditions.set(PROGRESSING, Status.False, Reason.STABLE, "scaled to zero");
            conditions.set(DEGRADED, Status.False, Reason.AS_EXPECTED, "");
            return;
        }
        String counts = ready + "/" + desired + " connector pods ready";
        if (ready >= desired) {
            conditions.set(READY, Status.True, Reason.ALL_REPLICAS_READY, counts);
        } else if (ready > 0) {
            conditions.set(READY, Status.True, Reason.SOME_REPLICAS_READY, counts);
        } else {
            conditions.set(READY, Status.False, Reason.NO_REPLICAS_READY, counts);
        }
        if (rollingOut()) {
            conditions.set(PROGRESSING, Status.True, Reason.ROLLING_OUT,
                    updated + "/" + desired + " pods updated, " + counts);
        } else {
            conditions.set(PROGRESSING, Status.False, Reason.STABLE, counts);
        }
        boolean degraded = ready < desired && !rollingOut();
        conditions.set(DEGRADED, degraded ? Status.True : Status.False,
                degraded ? Reason.REPLICAS_UNAVAILABLE : Reason.AS_EXPECTED, degraded ? counts : "");
    }
}
