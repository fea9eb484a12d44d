package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import io.fabric8.kubernetes.api.model.Secret;

/**
 * The key Secret: created once and never written again, so any live copy matches. The key is never rotated
 * silently (a new key cuts every client off); deleting the Secret is how a person asks for a new one.
 */
public record KeySecretChild(Secret desired) implements OwnedChild<Secret> {
    static KeySecretChild of(AppConnector connector, ConnectorKey key) {
        return new KeySecretChild(DesiredConfigObjects.keySecret(connector, key));
    }

    @Override
    public boolean matches(Secret live) {
        return true;
    }
}
