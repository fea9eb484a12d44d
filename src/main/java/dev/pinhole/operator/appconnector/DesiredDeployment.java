package dev.pinhole.operator.appconnector;

import dev.pinhole.connector.ConnectorArgs;
import dev.pinhole.connector.OwnAddresses;
import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The connector Deployment: restricted Pod Security, no API token, pinned to the NAT-gateway nodes and spread
 * across them. The pod template changes (and pods roll) only when {@code restartHash} changes; everything else in
 * the config is reloaded in place by the connector.
 */
public final class DesiredDeployment {
    static final long RUN_AS = 65532L;

    /**
     * How long a SIGTERM'd connector keeps forwarding after it reported not ready ({@code spec.drainSeconds}, else
     * {@link ConnectorArgs#DEFAULT_DRAIN}): it covers the time the Service path (kube-proxy, a cloud load
     * balancer's health checks) takes to stop sending it clients, so nobody is sent to a process that has already
     * gone. Rendered as {@code --drain-seconds}.
     */
    static Duration drain(AppConnectorSpec spec) {
        return spec.getDrainSeconds() == null ? ConnectorArgs.DEFAULT_DRAIN
                : Duration.ofSeconds(spec.getDrainSeconds());
    }

    /** The pod's grace period: the drain plus time to close the flows and exit, so the kubelet never SIGKILLs it. */
    static Duration terminationGrace(AppConnectorSpec spec) {
        return drain(spec).plus(ConnectorArgs.GRACE_MARGIN);
    }

    private DesiredDeployment() {}

    public static Deployment build(AppConnector c, String image, String restartHash) {
        AppConnectorSpec spec = c.getSpec();
        AppConnectorSpec.WireGuardInterface wgInterface = ConnectorConfigRenderer.wireGuardInterface(spec);
        var natGateway = spec.getEgress().getNatGateway();
        Map<String, String> nodeSelector = natGateway == null || natGateway.getNodeSelector() == null
                ? Map.of() : natGateway.getNodeSelector();
        List<Toleration> tolerations = natGateway == null || natGateway.getTolerations() == null
                ? List.of() : natGateway.getTolerations();
        int replicas = spec.getReplicas() == null ? 2 : spec.getReplicas();

        return new DeploymentBuilder()
                .withNewMetadata()
                    .withName(ConnectorNames.workload(c))
                    .withNamespace(c.getMetadata().getNamespace())
                    .withLabels(ConnectorNames.labels(c))
                .endMetadata()
                .withNewSpec()
                    .withReplicas(replicas)
                    .withRevisionHistoryLimit(3)
                    .withNewSelector().withMatchLabels(ConnectorNames.selector(c)).endSelector()
                    .withNewStrategy()
                        .withType("RollingUpdate")
                        .withNewRollingUpdate()
                            .withNewMaxSurge(0)   // surge pods would compete for the NAT-gateway nodes
                            .withNewMaxUnavailable(1)
                        .endRollingUpdate()
                    .endStrategy()
                    .withNewTemplate()
                        .withNewMetadata()
                            .withLabels(ConnectorNames.labels(c))
                            .addToAnnotations(ConnectorNames.ANNOTATION_RESTART_HASH, restartHash)
                            .addToAnnotations("prometheus.io/scrape", "true")
                            .addToAnnotations("prometheus.io/port", String.valueOf(ConnectorNames.HTTP_PORT))
                        .endMetadata()
                        .withNewSpec()
                            .withAutomountServiceAccountToken(false)
                            .withEnableServiceLinks(false)
                            .withNewSecurityContext()
                                .withRunAsNonRoot(true)
                                .withRunAsUser(RUN_AS)
                                .withRunAsGroup(RUN_AS)
                                .withFsGroup(RUN_AS)
                                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                            .endSecurityContext()
                            .withAffinity(affinity(c, nodeSelector))
                            .withTolerations(tolerations)
                            .addNewTopologySpreadConstraint()
                                .withMaxSkew(1)
                                .withTopologyKey("kubernetes.io/hostname")
                                .withWhenUnsatisfiable("ScheduleAnyway")
                                .withNewLabelSelector().withMatchLabels(ConnectorNames.selector(c)).endLabelSelector()
                            .endTopologySpreadConstraint()
                            .withTerminationGracePeriodSeconds(terminationGrace(spec).toSeconds())
                            .withContainers(container(spec, wgInterface, image))
                            .addToVolumes(PeerShards.configVolume(c))
                            .addNewVolume()
                                .withName("key")
                                .withNewSecret()
                                    .withSecretName(ConnectorNames.keySecret(c))
                                    .withDefaultMode(0400)
                                .endSecret()
                            .endVolume()
                            .addNewVolume()
                                .withName("tmp")
                                .withNewEmptyDir().withMedium("Memory").withSizeLimit(new Quantity("16Mi")).endEmptyDir()
                            .endVolume()
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    /**
     * A third of the memory limit for the heap: the rest is JIT, metaspace, thread stacks and direct buffers
     * (measured: 128 MiB heap, 243 MiB RSS with 1,000 flows), so the default 384Mi limit keeps RSS under 256 MiB.
     * The serial collector, named rather than left to ergonomics: the JVM picks it by itself only below 1,792 MiB,
     * and G1's own structures cost a small pod 40 MiB or more (docs/dataplane.md#start-time-and-memory). The image
     * trains the connector's AOT cache with exactly these options (Dockerfile, checked by DockerfileTest).
     * HotSpot's own messages (warnings, a failed AOT cache) go to standard error with the log: every line on standard
     * output is a record (docs/flow-records.md). Reflection through native accessors (JEP 416's own switch): the
     * JDK otherwise generates a class per constructor and method the first time Jackson calls it, about a tenth of
     * the connector's start, reading its config; reflection runs only at config loads and for /status, never per
     * packet (docs/dataplane.md#start-time-and-memory). After a burst the heap and the C heap are given back
     * (bench/connector-memory.sh, 1,000 flows: 244 -> 154 MiB a minute after, idle 114 -> 96 MiB): the serial
     * collector keeps at most 30 % of the heap free after a full collection, all at once rather than in steps, and
     * glibc's free memory is trimmed every 5 s. A young generation capped at 24 MiB saved little more and cost CPU
     * per GB (docs/dataplane.md#1000-flows-where-the-memory-goes).
     */
    public static final String CONNECTOR_JAVA_OPTS = "-XX:+UseSerialGC -XX:MaxRAMPercentage=33"
            + " -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:-ShrinkHeapInSteps"
            + " -XX:TrimNativeHeapInterval=5000"
            + " -XX:+ExitOnOutOfMemoryError -XX:+DisplayVMOutputToStderr -Djdk.reflect.useNativeAccessorOnly=true";

    private static Container container(AppConnectorSpec spec, AppConnectorSpec.WireGuardInterface wgInterface,
                                       String image) {
        return new ContainerBuilder()
                .withName(ConnectorMounts.CONTAINER)
                .withImage(image)
                .withArgs("connector",
                        "--config", ConnectorNames.CONFIG_DIR + "/" + ConnectorNames.CONFIG_FILE,
                        "--key", ConnectorNames.KEY_DIR + "/" + ConnectorNames.KEY_SECRET_DATA,
                        "--drain-seconds", String.valueOf(drain(spec).toSeconds()))
                .addNewEnv().withName("JAVA_OPTS").withValue(CONNECTOR_JAVA_OPTS).endEnv()
                // The pod's own addresses, never reached through the tunnel (the connector also reads its interfaces).
                .addNewEnv().withName(OwnAddresses.POD_IPS).withNewValueFrom().withNewFieldRef()
                    .withFieldPath("status.podIPs").endFieldRef().endValueFrom().endEnv()
                .addNewPort().withName(ConnectorNames.WIREGUARD_PORT_NAME).withProtocol("UDP")
                    .withContainerPort(wgInterface.getListenPort()).endPort()
                .addNewPort().withName(ConnectorNames.HTTP_PORT_NAME).withProtocol("TCP")
                    .withContainerPort(ConnectorNames.HTTP_PORT).endPort()
                .withNewReadinessProbe()
                    .withNewHttpGet().withPath("/readyz").withNewPort(ConnectorNames.HTTP_PORT_NAME).endHttpGet()
                    .withPeriodSeconds(5).withFailureThreshold(2)
                .endReadinessProbe()
                .withNewLivenessProbe()
                    .withNewHttpGet().withPath("/healthz").withNewPort(ConnectorNames.HTTP_PORT_NAME).endHttpGet()
                    .withPeriodSeconds(10).withFailureThreshold(3)
                .endLivenessProbe()
                .withNewStartupProbe()
                    .withNewHttpGet().withPath("/healthz").withNewPort(ConnectorNames.HTTP_PORT_NAME).endHttpGet()
                    .withPeriodSeconds(2).withFailureThreshold(30)
                .endStartupProbe()
                .withResources(resources(spec.getResources()))
                .withNewSecurityContext()
                    .withAllowPrivilegeEscalation(false)
                    .withReadOnlyRootFilesystem(true)
                    .withRunAsNonRoot(true)
                    .withPrivileged(false)
                    .withNewCapabilities().withDrop("ALL").endCapabilities()
                    .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .addNewVolumeMount().withName("config").withMountPath(ConnectorNames.CONFIG_DIR).withReadOnly(true)
                    .endVolumeMount()
                .addNewVolumeMount().withName("key").withMountPath(ConnectorNames.KEY_DIR).withReadOnly(true)
                    .endVolumeMount()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .build();
    }

    private static ResourceRequirements resources(ResourceRequirements given) {
        if (given != null && ((given.getRequests() != null && !given.getRequests().isEmpty())
                || (given.getLimits() != null && !given.getLimits().isEmpty()))) {
            return given;
        }
        return new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity("250m"))
                .addToRequests("memory", new Quantity("256Mi"))
                .addToLimits("memory", new Quantity("384Mi"))
                .build();
    }

    /** Required node affinity from the NAT-gateway selector, so pods never land on nodes with another egress. */
    private static Affinity affinity(AppConnector c, Map<String, String> nodeSelector) {
        if (nodeSelector.isEmpty()) {
            return null;
        }
        List<NodeSelectorRequirement> requirements = new ArrayList<>();
        nodeSelector.forEach((k, v) -> requirements.add(new NodeSelectorRequirementBuilder()
                .withKey(k).withOperator("In").withValues(v).build()));
        return new AffinityBuilder()
                .withNewNodeAffinity()
                    .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                        .addNewNodeSelectorTerm().withMatchExpressions(requirements).endNodeSelectorTerm()
                    .endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .build();
    }
}
