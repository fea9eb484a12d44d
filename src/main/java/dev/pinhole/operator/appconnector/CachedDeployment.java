package dev.pinhole.operator.appconnector;

import dev.pinhole.operator.ItemStoreWithoutManagedFields;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentSpec;

/**
 * The connector Deployment as the operator caches it: only the fields a reconcile reads, not the whole pod template.
 *
 * <p>A rendered pod template (volumes, environment, probes, resources, ports, mounts, template labels) was most of a
 * cached Deployment, and the informer holds one per AppConnector (docs/scale.md, "Peak RSS"). A reconcile reads a
 * live Deployment in three places, and the projection keeps exactly what they read:
 * <ul>
 * <li>{@link DeploymentChild#matches}, which undoes another client's edit: {@code spec.replicas}, the pod's
 * {@code securityContext}, {@code automountServiceAccountToken}, {@code affinity} and {@code tolerations}, and per
 * container its {@code name}, {@code image}, {@code command}, {@code args} and {@code securityContext};</li>
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
    private CachedDeployment() {}

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
