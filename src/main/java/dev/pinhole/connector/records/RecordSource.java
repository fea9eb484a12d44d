package dev.pinhole.connector.records;

import java.util.Map;

/** Where every record comes from: the AppConnector's namespace and name, and the connector pod. */
public record RecordSource(String namespace, String connector, String pod) {
    /**
     * The pod from the environment: {@code POD_NAME} when set, else {@code HOSTNAME} (a pod's hostname is its
     * name unless the pod spec sets another), else null.
     */
    public static String podName(Map<String, String> env) {
        String pod = env.get("POD_NAME");
        return pod != null && !pod.isBlank() ? pod : env.get("HOSTNAME");
    }
}
