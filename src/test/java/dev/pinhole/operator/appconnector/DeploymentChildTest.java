package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** When the operator re-applies its connector Deployment because someone else changed it. */
class DeploymentChildTest {
    private final Deployment desired;

    DeploymentChildTest() {
        AppConnector c = TestConnectors.valid();
        AppConnectorSpec.NatGateway gw = new AppConnectorSpec.NatGateway();
        gw.setNodeSelector(Map.of("pinhole.dev/egress", "nat-gateway"));
        c.getSpec().getEgress().setNatGateway(gw);
        desired = DesiredDeployment.build(c, "ghcr.io/pinhole-dev/pinhole:test", "0123");
    }

    /** The desired Deployment as the API server returns it: defaults filled in, then {@code edit} applied. */
    private Deployment live(Consumer<PodSpec> edit) {
        Deployment live = Serialization.clone(desired);
        PodSpec pod = live.getSpec().getTemplate().getSpec();
        pod.getContainers().forEach(x -> {
            x.setImagePullPolicy("IfNotPresent");
            x.setTerminationMessagePath("/dev/termination-log");
        });
        pod.setDnsPolicy("ClusterFirst");
        pod.setRestartPolicy("Always");
        pod.setSchedulerName("default-scheduler");
        pod.getVolumes().stream().filter(v -> v.getConfigMap() != null).forEach(v -> v.getConfigMap().setDefaultMode(420));
        pod.getVolumes().stream().filter(v -> v.getProjected() != null).forEach(v -> v.getProjected().setDefaultMode(420));
        edit.accept(pod);
        return live;
    }

    @Test
    void apiServerDefaultsAreNotDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> { }))).isTrue();
    }

    @Test
    void aReplacedImageIsDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> p.getContainers().get(0).setImage("evil.example/x:1"))))
                .isFalse();
    }

    @Test
    void aRemovedPodSecurityContextIsDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> p.setSecurityContext(null)))).isFalse();
    }

    @Test
    void aLoosenedContainerSecurityContextIsDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> p.getContainers().get(0).getSecurityContext()
                .setPrivileged(true)))).isFalse();
    }

    @Test
    void aRemovedNodeAffinityIsDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> p.setAffinity(null)))).isFalse();
    }

    @Test
    void changedArgumentsAreDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> p.getContainers().get(0).getArgs().add("--debug"))))
                .isFalse();
    }

    @Test
    void aMountedApiTokenIsDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> p.setAutomountServiceAccountToken(true)))).isFalse();
    }

    @Test
    void scaledReplicasAreDrift() {
        Deployment scaled = live(p -> { });
        scaled.getSpec().setReplicas(5);
        assertThat(new DeploymentChild(desired).matches(scaled)).isFalse();
    }

    /** Hostile: the config volume pointed at a ConfigMap the operator did not render keeps that config running. */
    @Test
    void aConfigVolumeSwappedForAnotherConfigMapIsDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> p.getVolumes().stream()
                .filter(v -> v.getName().equals("config")).findFirst().orElseThrow().getProjected().getSources()
                .get(0).getConfigMap().setName("planted-config")))).isFalse();
    }

    @Test
    void aConfigVolumeReplacedByAPlainConfigMapVolumeIsDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> p.getVolumes().replaceAll(v -> !v.getName()
                .equals("config") ? v : new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("config")
                .withNewConfigMap().withName(TestConnectors.NAME + "-config").endConfigMap().build())))).isFalse();
    }

    /** Hostile: a file mounted over the config file (subPath) from a volume of one's own. */
    @Test
    void aMountAddedToTheConnectorContainerIsDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> {
            p.getVolumes().add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("mine")
                    .withNewConfigMap().withName("planted-config").endConfigMap().build());
            p.getContainers().get(0).getVolumeMounts().add(new io.fabric8.kubernetes.api.model.VolumeMountBuilder()
                    .withName("mine").withMountPath(ConnectorNames.CONFIG_DIR + "/" + ConnectorNames.CONFIG_FILE)
                    .withSubPath(ConnectorNames.CONFIG_FILE).build());
        }))).isFalse();
    }

    @Test
    void theKeyVolumeMadeWorldReadableIsDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> p.getVolumes().stream()
                .filter(v -> v.getName().equals("key")).findFirst().orElseThrow().getSecret().setDefaultMode(0444))))
                .isFalse();
    }

    /** A sidecar's own volume is the sidecar owner's business, as the sidecar is. */
    @Test
    void aVolumeOnlyAnAddedContainerMountsIsNotDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> {
            p.getVolumes().add(new io.fabric8.kubernetes.api.model.VolumeBuilder().withName("sidecar-data")
                    .withNewEmptyDir().endEmptyDir().build());
            p.getContainers().add(new ContainerBuilder().withName("sidecar").withImage("example.invalid/sidecar:1")
                    .addNewVolumeMount().withName("sidecar-data").withMountPath("/data").endVolumeMount().build());
        }))).isTrue();
    }

    /** Server-side apply never removes what another manager added, so re-applying for it would change nothing. */
    @Test
    void aContainerAddedByAnotherManagerIsNotDrift() {
        assertThat(new DeploymentChild(desired).matches(live(p -> p.getContainers().add(new ContainerBuilder()
                .withName("sidecar").withImage("example.invalid/sidecar:1").build())))).isTrue();
    }
}
