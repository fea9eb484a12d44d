package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the NetworkPolicy around the connector pods is re-applied. */
class NetworkPolicyChildTest {
    private final NetworkPolicyChild child = NetworkPolicyChild.of(TestConnectors.valid(), List.of("pinhole-system"));

    @Test
    void anUntouchedCopyMatches() {
        NetworkPolicy live = Serialization.clone(child.desired());
        live.getMetadata().setResourceVersion("42");

        assertThat(child.matches(live)).isTrue();
    }

    /** NetworkPolicies add up: one more rule of someone else's in this policy would open the HTTP port. */
    @Test
    void anAddedIngressRuleIsDrift() {
        NetworkPolicy live = Serialization.clone(child.desired());
        live.getSpec().getIngress().add(new NetworkPolicyIngressRuleBuilder().build());

        assertThat(child.matches(live)).isFalse();
    }

    @Test
    void aWiderPodSelectorIsDrift() {
        NetworkPolicy live = Serialization.clone(child.desired());
        live.getSpec().getPodSelector().setMatchLabels(Map.of());

        assertThat(child.matches(live)).isFalse();
    }
}
