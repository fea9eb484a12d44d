package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names and labels of the objects an AppConnector owns, so every builder and lookup agrees on them. */
public final class ConnectorNames {
    public static final String KEY_SECRET_DATA = "privateKey";
    public static final String CONFIG_FILE = "connector.json";
    public static final String CONFIG_DIR = "/etc/pinhole/config";
    public static final String KEY_DIR = "/etc/pinhole/key";
    public static final String HTTP_PORT_NAME = "http";
    public static final int HTTP_PORT = 9090;
    public static final String WIREGUARD_PORT_NAME = "wireguard";
    public static final String LABEL_CONNECTOR = "pinhole.dev/connector";
    public static final String ANNOTATION_RESTART_HASH = "pinhole.dev/restart-hash";
    public static final String ANNOTATION_CONFIG_HASH = "pinhole.dev/config-hash";

    private ConnectorNames() {}

    public static String keySecret(AppConnector c) {
        return c.getMetadata().getName() + "-key";
    }

    public static String configMap(AppConnector c) {
        return c.getMetadata().getName() + "-config";
    }

    public static String clientsConfigMap(AppConnector c) {
        return c.getMetadata().getName() + "-clients";
    }

    /** Deployment, Service, PodDisruptionBudget and NetworkPolicy share the connector's name. */
    public static String workload(AppConnector c) {
        return c.getMetadata().getName();
    }

    /** Labels on every owned object; also the pod selector. */
    public static Map<String, String> labels(AppConnector c) {
        Map<String, String> labels = new LinkedHashMap<>(selector(c));
        labels.put("app.kubernetes.io/name", "pinhole-connector");
        labels.put("app.kubernetes.io/managed-by", "pinhole-operator");
        return labels;
    }

    /** The immutable pod selector: never add to it, Deployments cannot change selectors. */
    public static Map<String, String> selector(AppConnector c) {
        Map<String, String> selector = new LinkedHashMap<>();
        selector.put(LABEL_CONNECTOR, c.getMetadata().getName());
        return selector;
    }
}
