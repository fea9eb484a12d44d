package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.connector.config.ConnectorConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class DesiredConfigObjectsTest {
    private static final String KEY_UID = "7d5a3c1e-0000-4000-8000-000000000001";

    private final AppConnector c = TestConnectors.valid();
    private final ConnectorKey key = ConnectorKey.generate();

    private String restartHash() {
        return DesiredConfigObjects.restartHash(ConnectorConfigRenderer.render(c, List.of("198.51.100.0/24")), KEY_UID);
    }

    private String restartHashAfter(Consumer<AppConnectorSpec> change) {
        String before = restartHash();
        change.accept(c.getSpec());
        String after = restartHash();
        assertThat(before).isNotNull();
        return before.equals(after) ? "unchanged" : "changed";
    }

    @Test
    void keySecretIsImmutable() {
        assertThat(DesiredConfigObjects.keySecret(c, key).getImmutable()).isTrue();
    }

    @Test
    void keySecretHoldsThePrivateKey() {
        Secret s = DesiredConfigObjects.keySecret(c, key);

        assertThat(new String(java.util.Base64.getDecoder().decode(s.getData().get(ConnectorNames.KEY_SECRET_DATA)),
                java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(key.privateKey());
        assertThat(s.getMetadata().getName()).isEqualTo(TestConnectors.NAME + "-key");
        assertThat(s.getMetadata().getNamespace()).isEqualTo(TestConnectors.NAMESPACE);
    }

    @Test
    void keySecretAnnotatesOnlyThePublicKey() {
        Secret s = DesiredConfigObjects.keySecret(c, key);

        assertThat(s.getMetadata().getAnnotations()).containsEntry("pinhole.dev/public-key", key.publicKey());
        assertThat(s.getMetadata().getAnnotations().values()).doesNotContain(key.privateKey());
    }

    @Test
    void clientConfigMapHasOneFilePerClient() {
        ConfigMap cm = DesiredConfigObjects.clientConfigs(c, key.publicKey(), List.of(), List.of());

        assertThat(cm.getData()).containsOnlyKeys("alice.conf", "bob.conf");
        assertThat(cm.getMetadata().getName()).isEqualTo(TestConnectors.NAME + "-clients");
    }

    @Test
    void eachClientFileHasThatClientsAddress() {
        ConfigMap cm = DesiredConfigObjects.clientConfigs(c, key.publicKey(), List.of(), List.of());

        assertThat(cm.getData().get("alice.conf")).contains("Address = 100.96.0.2/32");
        assertThat(cm.getData().get("bob.conf")).contains("Address = 100.96.0.3/32");
    }

    @Test
    void clientConfigMapNeverHoldsThePrivateKey() {
        ConfigMap cm = DesiredConfigObjects.clientConfigs(c, key.publicKey(), List.of("198.51.100.200:51820"),
                List.of("198.51.100.0/24"));

        assertThat(cm.getData().values()).noneMatch(text -> text.contains(key.privateKey()));
    }

    @Test
    void connectorWithoutClientsHasAnEmptyClientConfigMap() {
        c.getSpec().setClients(null);

        assertThat(DesiredConfigObjects.clientConfigs(c, key.publicKey(), List.of(), List.of()).getData()).isEmpty();
    }

    @Test
    void connectorConfigMapHoldsTheRenderedFileAndItsHash() {
        ConnectorConfig config = ConnectorConfigRenderer.render(c, List.of("198.51.100.0/24"));

        ConfigMap cm = DesiredConfigObjects.connectorConfig(c, config);

        assertThat(cm.getData()).containsOnlyKeys(ConnectorNames.CONFIG_FILE);
        String text = cm.getData().get(ConnectorNames.CONFIG_FILE);
        assertThat(cm.getMetadata().getAnnotations())
                .containsEntry(ConnectorNames.ANNOTATION_CONFIG_HASH, DesiredConfigObjects.sha256(text));
        assertThat(text).doesNotContain(key.privateKey());
    }

    @Test
    void configHashChangesWithTheConfig() {
        ConfigMap before = DesiredConfigObjects.connectorConfig(c, ConnectorConfigRenderer.render(c, List.of()));
        c.getSpec().getDomains().add("example.org");
        ConfigMap after = DesiredConfigObjects.connectorConfig(c, ConnectorConfigRenderer.render(c, List.of()));

        assertThat(after.getMetadata().getAnnotations().get(ConnectorNames.ANNOTATION_CONFIG_HASH))
                .isNotEqualTo(before.getMetadata().getAnnotations().get(ConnectorNames.ANNOTATION_CONFIG_HASH));
    }

    @Test
    void restartHashIsStableForTheSameInputs() {
        assertThat(restartHash()).isEqualTo(restartHash());
    }

    @Test
    void restartHashChangesWithTheListenPort() {
        assertThat(restartHashAfter(s -> s.getTunnel().setListenPort(41641))).isEqualTo("changed");
    }

    @Test
    void restartHashChangesWithTheTunnelAddress() {
        assertThat(restartHashAfter(s -> s.getTunnel().setAddress("100.96.1.1/24"))).isEqualTo("changed");
    }

    @Test
    void restartHashChangesWithTheAppRange() {
        // The connector sizes its synthetic address pool at start; a new range only takes effect in a new pod.
        assertThat(restartHashAfter(s -> s.getTunnel().setAppRange("100.81.0.0/16"))).isEqualTo("changed");
    }

    @Test
    void restartHashChangesWithTheMtu() {
        assertThat(restartHashAfter(s -> s.getTunnel().setMtu(1380))).isEqualTo("changed");
    }

    @Test
    void restartHashChangesWithTheKeySecretUid() {
        ConnectorConfig config = ConnectorConfigRenderer.render(c, List.of());

        assertThat(DesiredConfigObjects.restartHash(config, "uid-a"))
                .isNotEqualTo(DesiredConfigObjects.restartHash(config, "uid-b"));
    }

    @Test
    void restartHashIgnoresClients() {
        assertThat(restartHashAfter(s -> s.getClients().add(
                new AppConnectorSpec.Client("carol", TestConnectors.BOB_PUBLIC, "100.96.0.4/32"))))
                .isEqualTo("unchanged");
    }

    @Test
    void restartHashIgnoresDomains() {
        assertThat(restartHashAfter(s -> s.getDomains().add("example.org"))).isEqualTo("unchanged");
    }

    @Test
    void restartHashIgnoresRoutes() {
        ConnectorConfig few = ConnectorConfigRenderer.render(c, List.of("198.51.100.0/24"));
        ConnectorConfig more = ConnectorConfigRenderer.render(c, List.of("198.51.100.0/24", "203.0.113.0/24"));

        assertThat(DesiredConfigObjects.restartHash(more, KEY_UID))
                .isEqualTo(DesiredConfigObjects.restartHash(few, KEY_UID));
    }

    @Test
    void restartHashIgnoresTheElasticIp() {
        assertThat(restartHashAfter(s -> s.getEgress().setElasticIP("203.0.113.11"))).isEqualTo("unchanged");
    }
}
