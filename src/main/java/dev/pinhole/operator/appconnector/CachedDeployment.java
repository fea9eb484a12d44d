package dev.pinhole.operator.appconnector;

import dev.pinhole.operator.ItemStoreWithoutManagedFields;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;
import java.util.Optional;

/**
 * The connector Deployment as the operator caches it: only the fields a reconcile reads, not the whole pod template.
 *
 * <p>A rendered pod template (volumes, environment, probes, resources, ports, mounts, template labels) was most of a
 * cached Deployment, and the informer holds one per AppConnector (docs/scale.md, "Peak RSS"). A reconcile reads a
 * live Deployment in three places, and the projection keeps exactly what they read:
 * <ul>
 * <li>{@link DeploymentChild#matches}, which undoes another client's edit: {@code spec.replicas}, the pod's
 * {@code securityContext}, {@code automountServiceAccountToken}, {@code affinity} and {@code tolerations}, and per
 * container its {@code name}, {@code image}, {@code command}, {@code args} and {@code securityContext}, and the
 * {@link ConnectorMounts} fingerprint of the connector's mounts and volumes (a hash, kept as the template annotation
 * {@link #ANNOTATION_MOUNTS} of the cached copy only: the projected config volume of 17 sources is most of a pod
 * template);</li>
 * <li>{@link RolloutState#of} and {@link ChildUpdates#deploymentMatters}: {@code metadata.generation},
 * {@code spec.replicas} and the whole (small) {@code status};</li>
 * <li>{@link dev.pinhole.operator.ChildWriter} and the owner index: {@code metadata} (name, uid, owner references,
 * the desired-hash annotation, resourceVersion), without managed fields.</li>
 * </ul>
 * What the operator itself changes in the dropped fields is caught by the desired-hash annotation, which is kept; a
 * foreign edit of a dropped field was never compared (see {@link DeploymentChild}), so nothing decides differently.
 * Changed in place: the informer hands each deserialised object to its store once.
 */
final class CachedDeployment {
    /** Where the cached copy keeps the mounts' fingerprint; a real Deployment's template annotations are dropped. */
    static final String ANNOTATION_MOUNTS = "pinhole.dev/cached-connector-mounts";

    private CachedDeployment() {}

    /**
     * The fingerprint of {@code deployment}'s connector mounts: the kept one of a cached copy, else computed from the
     * whole pod template (an object as the API server returned it: it has volumes, which a cached copy never keeps,
     * so an annotation of that name on a real template is never taken for the fingerprint).
     */
    static Optional<String> mountsOf(Deployment deployment) {
        PodTemplateSpec template = deployment.getSpec() == null ? null : deployment.getSpec().getTemplate();
        if (template == null || template.getSpec() == null) {
            return Optional.empty();
        }
        boolean cachedCopy = template.getSpec().getVolumes() == null || template.getSpec().getVolumes().isEmpty();
        if (cachedCopy && template.getMetadata() != null && template.getMetadata().getAnnotations() != null
                && template.getMetadata().getAnnotations().containsKey(ANNOTATION_MOUNTS)) {
            return Optional.ofNullable(template.getMetadata().getAnnotations().get(ANNOTATION_MOUNTS));
        }
        return ConnectorMounts.fingerprint(template.getSpec());
    }

    static Deployment keepRead(Deployment deployment) {
        ItemStoreWithoutManagedFields.strip(deployment);
        DeploymentSpec spec = deployment.getSpec();
        if (spec == null) {
            return deployment;
        }
        DeploymentSpec kept = new DeploymentSpec();
        kept.setReplicas(spec.getReplicas());
        PodTemplateSpec template = spec.getTemplate();
        if (template != null && template.getSpec() != null) {
            PodSpec pod = template.getSpec();
            PodSpec keptPod = new PodSpec();
            keptPod.setSecurityContext(pod.getSecurityContext());
            keptPod.setAutomountServiceAccountToken(pod.getAutomountServiceAccountToken());
            keptPod.setAffinity(pod.getAffinity());
            keptPod.setTolerations(pod.getTolerations());
            keptPod.setContainers(pod.getContainers() == null ? null
                    : pod.getContainers().stream().map(CachedDeployment::compared).toList());
            PodTemplateSpec keptTemplate = new PodTemplateSpec();
            keptTemplate.setSpec(keptPod);
            // Always set (null when there is no connector container), so no annotation of the real template's
            // can stand in for it.
            java.util.Map<String, String> mounts = new java.util.HashMap<>();
            mounts.put(ANNOTATION_MOUNTS, ConnectorMounts.fingerprint(pod).orElse(null));
            keptTemplate.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withAnnotations(mounts)
                    .build());
            kept.setTemplate(keptTemplate);
        }
        deployment.setSpec(kept);
        return deployment;
    }

    /** What DeploymentChild#matches compares of a container (it finds the desired ones by name). */
    private static Container compared(Container container) {
        Container kept = new Container();
        kept.setName(container.getName());
        kept.setImage(container.getImage());
        kept.setCommand(container.getCommand());
        kept.setArgs(container.getArgs());
        kept.setSecurityContext(container.getSecurityContext());
        return kept;
    }
}
