package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Objects;

/**
 * The connector Deployment ({@link DesiredDeployment} builds it). A live copy matches while it still runs what the
 * desired one says where it matters: replicas, the connector image and arguments, the pod and container security
 * contexts, the service-account token setting, node affinity, tolerations, and the connector container's mounts
 * with the volumes they name ({@link ConnectorMounts}: a config volume pointed at another ConfigMap is drift);
 * another client's {@code kubectl set image} or {@code edit} must not stick. Only fields the API server does not
 * default are compared, so a matching Deployment is never rewritten; labels, annotations, status, probes' defaulted
 * fields, and containers added beside the connector's (with the volumes only they mount) are tolerated.
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
                && ConnectorMounts.fingerprint(want).equals(CachedDeployment.mountsOf(live))
                && want.getContainers().stream().allMatch(c -> have.getContainers().stream()
                        .anyMatch(h -> c.getName().equals(h.getName()) && Objects.equals(c.getImage(), h.getImage())
                                && Objects.equals(orEmpty(c.getCommand()), orEmpty(h.getCommand()))
                                && Objects.equals(orEmpty(c.getArgs()), orEmpty(h.getArgs()))
                                && Objects.equals(c.getSecurityContext(), h.getSecurityContext())));
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
