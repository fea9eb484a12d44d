package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Objects;

/**
 * The PodDisruptionBudget, wanted only with more than one replica (with one, it would block every node drain). A
 * live copy matches while maxUnavailable and the selector are the desired ones; the status the disruption
 * controller writes is not compared.
 */
public record PodDisruptionBudgetChild(PodDisruptionBudget desired) implements OwnedChild<PodDisruptionBudget> {
    static PodDisruptionBudgetChild of(AppConnector connector) {
        return new PodDisruptionBudgetChild(DesiredNetworkObjects.podDisruptionBudget(connector));
    }

    /** Whether the connector wants a PDB at all: a PDB over a single pod would block every voluntary eviction. */
    static boolean wanted(int replicas) {
        return replicas > 1;
    }

    @Override
    public boolean matches(PodDisruptionBudget live) {
        return live.getSpec() != null
                && Objects.equals(desired.getSpec().getMaxUnavailable(), live.getSpec().getMaxUnavailable())
                && Objects.equals(desired.getSpec().getSelector(), live.getSpec().getSelector());
    }
}
