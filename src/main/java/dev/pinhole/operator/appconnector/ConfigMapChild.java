package dev.pinhole.operator.appconnector;

import io.fabric8.kubernetes.api.model.ConfigMap;
import java.util.Objects;

/**
 * A ConfigMap the connector or its clients read (the connector config, the client configs): its data is the whole
 * of what it says, so a live copy matches only with exactly that data; labels and annotations are not compared.
 */
public record ConfigMapChild(ConfigMap desired) implements OwnedChild<ConfigMap> {
    @Override
    public boolean matches(ConfigMap live) {
        return Objects.equals(desired.getData(), live.getData());
    }
}
