package dev.pinhole.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ItemStoreWithoutManagedFieldsTest {
    private final ItemStoreWithoutManagedFields<ConfigMap> store = new ItemStoreWithoutManagedFields<>();

    private static ConfigMap withManagedFields() {
        return new ConfigMapBuilder().withNewMetadata().withNamespace("team-a").withName("pay-config")
                .withResourceVersion("7").withLabels(Map.of("app", "pay"))
                .addToManagedFields(new ManagedFieldsEntryBuilder().withManager("pinhole-operator")
                        .withOperation("Apply").build())
                .endMetadata().withData(Map.of("connector.json", "{}")).build();
    }

    @Test
    void cachedObjectsHaveNoManagedFields() {
        ConfigMap object = withManagedFields();
        store.put(store.getKey(object), object);

        assertThat(store.get("team-a/pay-config").getMetadata().getManagedFields()).isNullOrEmpty();
    }

    @Test
    void everythingElseIsKept() {
        ConfigMap object = withManagedFields();
        store.put(store.getKey(object), object);

        ConfigMap cached = store.get("team-a/pay-config");
        assertThat(cached.getMetadata().getResourceVersion()).isEqualTo("7");
        assertThat(cached.getMetadata().getLabels()).containsEntry("app", "pay");
        assertThat(cached.getData()).containsEntry("connector.json", "{}");
    }
}
