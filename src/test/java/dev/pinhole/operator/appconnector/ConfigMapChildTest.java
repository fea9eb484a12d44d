package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a ConfigMap the connector or its clients read is re-applied. */
class ConfigMapChildTest {
    private final ConfigMapChild child = new ConfigMapChild(DesiredConfigObjects.clientConfigs(TestConnectors.valid(),
            "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=", List.of("203.0.113.7:51820"), List.of()));

    @Test
    void sameDataWithOtherLabelsMatches() {
        ConfigMap live = Serialization.clone(child.desired());
        live.getMetadata().setLabels(Map.of("team", "a"));

        assertThat(child.matches(live)).isTrue();
    }

    @Test
    void anEditedFileIsDrift() {
        ConfigMap live = Serialization.clone(child.desired());
        live.getData().put("alice.conf", "[Peer]\nEndpoint = 198.51.100.66:51820\n");

        assertThat(child.matches(live)).isFalse();
    }

    @Test
    void anAddedFileIsDrift() {
        ConfigMap live = Serialization.clone(child.desired());
        live.getData().put("mallory.conf", "[Interface]\n");

        assertThat(child.matches(live)).isFalse();
    }
}
