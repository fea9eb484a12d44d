package dev.pinhole.operator.appconnector;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.util.Optional;

/**
 * The connector Deployment's rollout as the cluster reports it; the conditions that follow from it are decided by
 * {@code AppConnectorStatusAggregator}.
 */
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
}
