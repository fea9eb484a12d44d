package dev.pinhole.operator.appconnector;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the operator owns of a connector pod's storage: the connector container's volume mounts and the volumes they
 * name, as one fingerprint. Whoever may edit the Deployment could otherwise point the config volume at another
 * ConfigMap (or mount one over the config file) and the pods would run a config the operator never rendered while
 * its status said the rendered one was applied. Volumes only another container mounts are not the operator's and
 * are left out, as added containers are. The API server's defaults ({@code defaultMode: 420}) are normalised away,
 * so an untouched Deployment always matches and is never rewritten.
 */
final class ConnectorMounts {
    /** The container the operator renders (DesiredDeployment); the others are tolerated. */
    static final String CONTAINER = "connector";
    /** The API server's default file mode for ConfigMap, Secret and projected volumes (0644). */
    private static final int DEFAULT_MODE = 420;

    private ConnectorMounts() {}

    /**
     * The fingerprint of {@code pod}'s connector mounts and the volumes they name (with what each volume mounts:
     * ConfigMap names, Secret name, items, modes); empty when there is no connector container.
     */
    static Optional<String> fingerprint(PodSpec pod) {
        Optional<Container> connector = pod.getContainers() == null ? Optional.empty()
                : pod.getContainers().stream().filter(c -> CONTAINER.equals(c.getName())).findFirst();
        if (connector.isEmpty()) {
            return Optional.empty();
        }
        List<VolumeMount> mounts = new ArrayList<>(connector.get().getVolumeMounts() == null ? List.of()
                : connector.get().getVolumeMounts());
        mounts.sort(Comparator.comparing(VolumeMount::getMountPath, Comparator.nullsFirst(Comparator.naturalOrder())));
        Set<String> named = mounts.stream().map(VolumeMount::getName).filter(Objects::nonNull)
                .collect(Collectors.toSet());
        List<Volume> volumes = (pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()).stream()
                .filter(v -> named.contains(v.getName()))
                .map(ConnectorMounts::withoutDefaults)
                .sorted(Comparator.comparing(Volume::getName))
                .toList();
        return Optional.of(sha256(Serialization.asJson(mounts) + "\n" + Serialization.asJson(volumes)));
    }

    /** A copy of {@code volume} with the defaulted file modes removed (the operator sets 0400 on the key only). */
    private static Volume withoutDefaults(Volume volume) {
        Volume copy = Serialization.clone(volume);
        if (copy.getProjected() != null && Objects.equals(copy.getProjected().getDefaultMode(), DEFAULT_MODE)) {
            copy.getProjected().setDefaultMode(null);
        }
        if (copy.getConfigMap() != null && Objects.equals(copy.getConfigMap().getDefaultMode(), DEFAULT_MODE)) {
            copy.getConfigMap().setDefaultMode(null);
        }
        if (copy.getSecret() != null && Objects.equals(copy.getSecret().getDefaultMode(), DEFAULT_MODE)) {
            copy.getSecret().setDefaultMode(null);
        }
        return copy;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
