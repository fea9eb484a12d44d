package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** The key Secret is never rewritten: a new key would cut every client off. */
class KeySecretChildTest {
    @Test
    void aSecretWithAnotherKeyStillMatches() {
        KeySecretChild child = KeySecretChild.of(TestConnectors.valid(), ConnectorKey.generate());
        Secret live = Serialization.clone(KeySecretChild.of(TestConnectors.valid(), ConnectorKey.generate()).desired());

        assertThat(child.matches(live)).isTrue();
        assertThat(live.getData()).isNotEqualTo(child.desired().getData());
    }
}
