package dev.pinhole.api;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** A status that carries standard Kubernetes conditions. */
public interface HasConditions {
    List<Condition> getConditions();
}
