package dev.pinhole.operator.appconnector;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Objects;
import java.util.Optional;

/**
 * Which updates of a connector's children can change what a reconcile writes or reports; the others trigger none.
 *
 * <p>The Deployment controller writes a new connector Deployment's status about five times, kwok or the kubelet a
 * pod's status three or four times, the disruption controller a PDB's status on every pod change. Each of those
 * used to cost an AppConnector reconcile (8 per connector in a 1,000-connector scale run, 74 s of operator CPU),
 * while a reconcile reads only: the children's specs and metadata (to undo foreign edits), the rollout counts,
 * a Service's node port and load balancer address, and a pod's readiness and address (for probing).
 */
final class ChildUpdates {
    private ChildUpdates() {}

    /** Metadata a reconcile compares or owns: labels, annotations (the desired hash), owner, deletion. */
    static boolean metadataChanged(HasMetadata now, HasMetadata before) {
        return !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels())
                || !Objects.equals(now.getMetadata().getAnnotations(), before.getMetadata().getAnnotations())
                || !Objects.equals(now.getMetadata().getOwnerReferences(), before.getMetadata().getOwnerReferences())
                || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp());
    }

    static boolean deploymentMatters(Deployment now, Deployment before) {
        return metadataChanged(now, before) || !Objects.equals(now.getSpec(), before.getSpec())
                || !rollout(now).equals(rollout(before));
    }

    static boolean serviceMatters(Service now, Service before) {
        return metadataChanged(now, before) || !Objects.equals(now.getSpec(), before.getSpec())
                || !Objects.equals(now.getStatus() == null ? null : now.getStatus().getLoadBalancer(),
                        before.getStatus() == null ? null : before.getStatus().getLoadBalancer());
    }

    static boolean podDisruptionBudgetMatters(PodDisruptionBudget now, PodDisruptionBudget before) {
        return metadataChanged(now, before) || !Objects.equals(now.getSpec(), before.getSpec());
    }

    /** Probing reads a pod's readiness and address; everything else about a pod is the Deployment's business. */
    static boolean podMatters(Pod now, Pod before) {
        return ready(now) != ready(before) || !Objects.equals(podIp(now), podIp(before))
                || !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels());
    }

    private static RolloutState rollout(Deployment d) {
        int replicas = d.getSpec() == null || d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        return RolloutState.of(Optional.of(d), replicas);
    }

    static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static String podIp(Pod pod) {
        return pod.getStatus() == null ? null : pod.getStatus().getPodIP();
    }
}
