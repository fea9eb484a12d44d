package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Objects;

/**
 * The connector Deployment ({@link DesiredDeployment} builds it). A live copy matches while it still runs what the
 * desired one says where it matters: replicas, the connector image and arguments, the pod and container security
 * contexts, the service-account token setting, node affinity, tolerations and the config volume's sources (another
 * client's {@code kubectl set image} or {@code edit} must not stick). Only fields the API server does not default are
 * compared, so a matching Deployment is never rewritten; labels, annotations, status, probes' defaulted fields and
 * containers added beside the connector's are tolerated.
 */
public record DeploymentChild(Deployment desired) implements OwnedChild<Deployment> {
    static DeploymentChild of(AppConnector connector, String image, String restartHash) {
        return new DeploymentChild(DesiredDeployment.build(connector, image, restartHash));
    }

    @Override
    public boolean matches(Deployment live) {
        if (live.getSpec() == null || live.getSpec().getTemplate() == null
                || live.getSpec().getTemplate().getSpec() == null) {
            return false;
        }
        PodSpec want = desired.getSpec().getTemplate().getSpec();
        PodSpec have = live.getSpec().getTemplate().getSpec();
        return Objects.equals(desired.getSpec().getReplicas(), live.getSpec().getReplicas())
                && Objects.equals(want.getSecurityContext(), have.getSecurityContext())
                && Objects.equals(want.getAutomountServiceAccountToken(), have.getAutomountServiceAccountToken())
                && Objects.equals(want.getAffinity(), have.getAffinity())
                && Objects.equals(orEmpty(want.getTolerations()), orEmpty(have.getTolerations()))
                && Objects.equals(configSources(want), configSources(have))
                && want.getContainers().stream().allMatch(c -> have.getContainers().stream()
                        .anyMatch(h -> c.getName().equals(h.getName()) && Objects.equals(c.getImage(), h.getImage())
                                && Objects.equals(orEmpty(c.getCommand()), orEmpty(h.getCommand()))
                                && Objects.equals(orEmpty(c.getArgs()), orEmpty(h.getArgs()))
                                && Objects.equals(c.getSecurityContext(), h.getSecurityContext())));
    }

    /**
     * The projected sources of the config volume (the main config and the optional peer shards): a pod mounting
     * fewer would never see its shards. Null when there is no such projected volume (a Deployment from before).
     */
    private static List<io.fabric8.kubernetes.api.model.VolumeProjection> configSources(PodSpec pod) {
        return orEmpty(pod.getVolumes()).stream()
                .filter(v -> "config".equals(v.getName()) && v.getProjected() != null)
                .map(v -> orEmpty(v.getProjected().getSources()))
                .findFirst().orElse(null);
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
