package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The key Secret, the connector ConfigMap and the per-client configs ConfigMap. */
public final class DesiredConfigObjects {
    private DesiredConfigObjects() {}

    /** The key Secret; created once and never updated by the operator (the key is never rotated silently). */
    public static Secret keySecret(AppConnector c, ConnectorKey key) {
        return new SecretBuilder()
                .withNewMetadata()
                    .withName(ConnectorNames.keySecret(c))
                    .withNamespace(c.getMetadata().getNamespace())
                    .withLabels(ConnectorNames.labels(c))
                    .addToAnnotations("pinhole.dev/public-key", key.publicKey())
                .endMetadata()
                .withType("Opaque")
                .withImmutable(true)
                .addToData(ConnectorNames.KEY_SECRET_DATA, java.util.Base64.getEncoder()
                        .encodeToString(key.privateKey().getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    public static ConfigMap connectorConfig(AppConnector c, ConnectorConfig config) {
        String text = ConnectorConfigCodec.write(config);
        return new ConfigMapBuilder()
                .withNewMetadata()
                    .withName(ConnectorNames.configMap(c))
                    .withNamespace(c.getMetadata().getNamespace())
                    .withLabels(ConnectorNames.labels(c))
                    .addToAnnotations(ConnectorNames.ANNOTATION_CONFIG_HASH, sha256(text))
                .endMetadata()
                .addToData(ConnectorNames.CONFIG_FILE, text)
                .build();
    }

    /** One wg-quick file per client, keyed "{name}.conf". */
    public static ConfigMap clientConfigs(AppConnector c, String connectorPublicKey, List<String> endpoints,
                                          List<String> routes) {
        Map<String, String> data = new LinkedHashMap<>();
        List<AppConnectorSpec.Client> clients = c.getSpec().getClients() == null ? List.of() : c.getSpec().getClients();
        for (AppConnectorSpec.Client client : clients) {
            data.put(client.getName() + ".conf",
                    ClientConfigRenderer.render(c, client, connectorPublicKey, endpoints, routes));
        }
        return new ConfigMapBuilder()
                .withNewMetadata()
                    .withName(ConnectorNames.clientsConfigMap(c))
                    .withNamespace(c.getMetadata().getNamespace())
                    .withLabels(ConnectorNames.labels(c))
                .endMetadata()
                .withData(data)
                .build();
    }

    /**
     * Hash of what the connector cannot change without a restart: every tunnel setting (the connector refuses to
     * hot-apply any change to the tunnel record, so hashing the whole record keeps the two in step), the HTTP port
     * and the key Secret's identity. Any other config change is reloaded in place without dropping flows.
     */
    public static String restartHash(ConnectorConfig config, String keySecretUid) {
        return sha256(config.tunnel() + "|" + config.http().port() + "|" + keySecretUid).substring(0, 16);
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
