package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.List;
import java.util.Objects;

/**
 * The NetworkPolicy around the connector pods: the whole spec is what admits traffic, so a live copy matches only
 * with exactly the desired spec (the desired one spells out what the API server would default, such as each
 * port's protocol, so an untouched copy compares equal).
 */
public record NetworkPolicyChild(NetworkPolicy desired) implements OwnedChild<NetworkPolicy> {
    static NetworkPolicyChild of(AppConnector connector, List<String> httpNamespaces) {
        return new NetworkPolicyChild(DesiredNetworkObjects.networkPolicy(connector, httpNamespaces));
    }

    @Override
    public boolean matches(NetworkPolicy live) {
        return Objects.equals(desired.getSpec(), live.getSpec());
    }
}
