package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The cached connector Deployment keeps what a reconcile reads, so every decision is the one on the whole object. */
class CachedDeploymentTest {
    private final Deployment desired;

    CachedDeploymentTest() {
        AppConnector c = TestConnectors.valid();
        AppConnectorSpec.NatGateway gw = new AppConnectorSpec.NatGateway();
        gw.setNodeSelector(Map.of("pinhole.dev/egress", "nat-gateway"));
        c.getSpec().getEgress().setNatGateway(gw);
        desired = DesiredDeployment.build(c, "ghcr.io/pinhole-dev/pinhole:test", "0123");
    }

    /** The desired Deployment as the informer receives it: API defaults, managed fields, a status, then an edit. */
    private Deployment live(Consumer<Deployment> edit) {
        Deployment live = Serialization.clone(desired);
        live.getMetadata().setGeneration(3L);
        live.getMetadata().setManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("pinhole-operator")
                .withOperation("Apply").build()));
        live.getSpec().getTemplate().getSpec().setDnsPolicy("ClusterFirst");
        live.setStatus(new DeploymentStatusBuilder().withObservedGeneration(3L).withReadyReplicas(1)
                .withUpdatedReplicas(2).withConditions(new DeploymentConditionBuilder().withType("Progressing")
                        .withStatus("True").withReason("ReplicaSetUpdated").build()).build());
        edit.accept(live);
        return live;
    }

    static Stream<Arguments> edits() {
        return Stream.of(
                Arguments.of("untouched", (Consumer<Deployment>) d -> { }),
                Arguments.of("image replaced", edit(d -> first(d).setImage("evil.example/x:1"))),
                Arguments.of("command replaced", edit(d -> first(d).setCommand(List.of("/bin/sh")))),
                Arguments.of("argument added", edit(d -> first(d).getArgs().add("--debug"))),
                Arguments.of("container privileged", edit(d -> first(d).getSecurityContext().setPrivileged(true))),
                Arguments.of("pod security context removed", edit(d -> pod(d).setSecurityContext(null))),
                Arguments.of("API token mounted", edit(d -> pod(d).setAutomountServiceAccountToken(true))),
                Arguments.of("node affinity removed", edit(d -> pod(d).setAffinity(null))),
                Arguments.of("toleration added", edit(d -> pod(d).setTolerations(List.of(new TolerationBuilder()
                        .withOperator("Exists").build())))),
                Arguments.of("replicas scaled", edit(d -> d.getSpec().setReplicas(5))),
                Arguments.of("sidecar added", edit(d -> pod(d).getContainers().add(new ContainerBuilder()
                        .withName("sidecar").withImage("example.invalid/sidecar:1").build()))),
                Arguments.of("environment added", edit(d -> first(d).getEnv().add(new EnvVar("X", "1", null)))),
                Arguments.of("config volume swapped", edit(d -> pod(d).getVolumes().get(0).getProjected().getSources()
                        .get(0).getConfigMap().setName("planted-config"))),
                Arguments.of("config volume mode defaulted", edit(d -> pod(d).getVolumes().get(0).getProjected()
                        .setDefaultMode(420))),
                Arguments.of("mount added", edit(d -> first(d).getVolumeMounts().add(
                        new io.fabric8.kubernetes.api.model.VolumeMountBuilder().withName("key")
                                .withMountPath("/etc/pinhole/connector.json").withSubPath("private-key").build()))),
                Arguments.of("template annotation named like the cached fingerprint", edit(d -> {
                    d.getSpec().getTemplate().getMetadata().getAnnotations().put(CachedDeployment.ANNOTATION_MOUNTS,
                            ConnectorMounts.fingerprint(pod(d)).orElseThrow());
                    pod(d).getVolumes().get(0).getProjected().getSources().get(0).getConfigMap().setName("planted");
                })));
    }

    private static Consumer<Deployment> edit(Consumer<Deployment> e) {
        return e;
    }

    private static io.fabric8.kubernetes.api.model.PodSpec pod(Deployment d) {
        return d.getSpec().getTemplate().getSpec();
    }

    private static io.fabric8.kubernetes.api.model.Container first(Deployment d) {
        return pod(d).getContainers().get(0);
    }

    /** Hostile: a foreign edit the whole object shows as drift must still show as drift in the cache, and back. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("edits")
    void theCachedCopyIsJudgedExactlyAsTheWholeObject(String what, Consumer<Deployment> edit) {
        DeploymentChild child = new DeploymentChild(desired);
        boolean whole = child.matches(live(edit));

        assertThat(child.matches(CachedDeployment.keepRead(live(edit)))).as(what).isEqualTo(whole);
    }

    @Test
    void aSwappedConfigVolumeChangesTheCachedCopySoTheEditReachesTheReconciler() {
        Deployment before = CachedDeployment.keepRead(live(d -> { }));
        Deployment swapped = CachedDeployment.keepRead(live(d -> pod(d).getVolumes().get(0).getProjected()
                .getSources().get(0).getConfigMap().setName("planted-config")));

        assertThat(ChildUpdates.deploymentMatters(swapped, before)).isTrue();
    }

    @Test
    void theRolloutReadFromTheCachedCopyIsTheWholeObjectsRollout() {
        assertThat(RolloutState.of(Optional.of(CachedDeployment.keepRead(live(d -> { }))), 2))
                .isEqualTo(RolloutState.of(Optional.of(live(d -> { })), 2));
    }

    @Test
    void aStatusUpdateStillMattersAndAnUntouchedCopyDoesNot() {
        Deployment before = CachedDeployment.keepRead(live(d -> { }));
        Deployment ready = CachedDeployment.keepRead(live(d -> d.getStatus().setReadyReplicas(2)));

        assertThat(ChildUpdates.deploymentMatters(ready, before)).isTrue();
        assertThat(ChildUpdates.deploymentMatters(CachedDeployment.keepRead(live(d -> { })), before)).isFalse();
    }

    @Test
    void metadataStaysWithoutManagedFields() {
        Deployment cached = CachedDeployment.keepRead(live(d -> { }));

        assertThat(cached.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(cached.getMetadata().getAnnotations()).isEqualTo(desired.getMetadata().getAnnotations());
        assertThat(cached.getMetadata().getOwnerReferences()).isEqualTo(desired.getMetadata().getOwnerReferences());
    }

    @Test
    void thePodTemplateLosesWhatNoReconcileReads() {
        Deployment cached = CachedDeployment.keepRead(live(d -> { }));

        assertThat(cached.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsOnlyKeys(CachedDeployment.ANNOTATION_MOUNTS);
        assertThat(cached.getSpec().getSelector()).isNull();
        assertThat(pod(cached).getVolumes()).isEmpty();
        assertThat(first(cached).getEnv()).isEmpty();
        assertThat(first(cached).getReadinessProbe()).isNull();
        assertThat(first(cached).getResources()).isNull();
        assertThat(Serialization.asJson(cached).length()).isLessThan(Serialization.asJson(live(d -> { })).length() / 2);
    }
}
