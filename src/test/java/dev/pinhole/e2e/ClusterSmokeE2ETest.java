package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Checks that the cluster {@code KUBECONFIG} points at is a real control plane with what Pinhole relies on:
 * the scheduler honours NAT-gateway node selectors and taints, simulated kubelets run the pods, and CRD CEL rules
 * are enforced. Skipped without {@code KUBECONFIG}; fails instead when {@code PINHOLE_REQUIRE_CLUSTER=1}.
 * Start a cluster with {@code test/cluster/up.sh}.
 */
@Tag("e2e")
class ClusterSmokeE2ETest {
    private static final String EGRESS_LABEL = "pinhole.dev/egress";
    private static final String NAT_GATEWAY = "nat-gateway";
    private static final String CRD_NAME = "celsmokes.e2e.pinhole.dev";
    private static final ResourceDefinitionContext CEL_SMOKES = new ResourceDefinitionContext.Builder()
            .withGroup("e2e.pinhole.dev").withVersion("v1").withKind("CelSmoke").withPlural("celsmokes")
            .withNamespaced(true).build();
    // Generous: a first pod on a cold, 2-core machine waits for informers, scheduler and kwok's stages.
    private static final Duration CLUSTER_WAIT = Duration.ofSeconds(90);

    private static KubernetesClient client;
    private String namespace;

    @BeforeAll
    static void connect() {
        client = E2ECluster.connect(ClusterSmokeE2ETest.class);
    }

    @AfterAll
    static void disconnect() {
        if (client != null) {
            client.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).delete();
            client.close();
        }
    }

    @BeforeEach
    void createNamespace() {
        namespace = "ph-smoke-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
                .build()).create();
    }

    @AfterEach
    void deleteNamespace() {
        client.namespaces().withName(namespace).delete();
    }

    @Test
    void podSelectingNatGatewaysAndToleratingTheirTaintRunsOnANatGatewayNode() {
        client.apps().deployments().inNamespace(namespace)
                .resource(deployment("connector", List.of(natGatewayToleration()))).create();

        Pod pod = await().atMost(CLUSTER_WAIT).until(() -> onlyPod("connector"),
                p -> p.isPresent() && "Running".equals(p.get().getStatus().getPhase())).orElseThrow();

        Node node = client.nodes().withName(pod.getSpec().getNodeName()).get();
        assertThat(node.getMetadata().getLabels()).containsEntry(EGRESS_LABEL, NAT_GATEWAY);
        assertThat(node.getSpec().getTaints()).anySatisfy(taint -> {
            assertThat(taint.getKey()).isEqualTo(EGRESS_LABEL);
            assertThat(taint.getEffect()).isEqualTo("NoSchedule");
        });
    }

    @Test
    void podSelectingNatGatewaysWithoutTheTolerationIsUnschedulable() {
        client.apps().deployments().inNamespace(namespace).resource(deployment("intolerant", List.of())).create();

        Pod pod = await().atMost(CLUSTER_WAIT).until(() -> onlyPod("intolerant"),
                p -> p.flatMap(ClusterSmokeE2ETest::scheduledCondition)
                        .map(c -> "Unschedulable".equals(c.getReason())).orElse(false)).orElseThrow();

        assertThat(pod.getSpec().getNodeName()).isNull();
        assertThat(scheduledCondition(pod).orElseThrow().getMessage()).contains("untolerated taint");
    }

    @Test
    void celRuleRefusesABadObjectNamingTheField() {
        installCelSmokeCrd();
        var smokes = client.genericKubernetesResources(CEL_SMOKES).inNamespace(namespace);

        smokes.resource(celSmoke("good", 1, 2)).create();
        assertThatThrownBy(() -> smokes.resource(celSmoke("bad", 5, 2)).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getMessage()).contains("spec.range.start").contains("start must not be greater than end");
                });
        assertThat(smokes.withName("bad").get()).isNull();
    }

    private static void installCelSmokeCrd() {
        CustomResourceDefinition crd;
        try (InputStream yaml = ClusterSmokeE2ETest.class.getResourceAsStream("celsmokes-crd.yaml")) {
            crd = client.apiextensions().v1().customResourceDefinitions().load(yaml).item();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        client.apiextensions().v1().customResourceDefinitions().resource(crd).serverSideApply();
        client.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME)
                .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions().stream()
                        .anyMatch(k -> "Established".equals(k.getType()) && "True".equals(k.getStatus())),
                        CLUSTER_WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static GenericKubernetesResource celSmoke(String name, int start, int end) {
        return new GenericKubernetesResourceBuilder().withApiVersion("e2e.pinhole.dev/v1").withKind("CelSmoke")
                .withNewMetadata().withName(name).endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("range", Map.of("start", start, "end", end))))
                .build();
    }

    private Optional<Pod> onlyPod(String app) {
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel("app", app).list().getItems();
        return pods.size() == 1 ? Optional.of(pods.get(0)) : Optional.empty();
    }

    private static Optional<PodCondition> scheduledCondition(Pod pod) {
        return pod.getStatus() == null ? Optional.empty() : pod.getStatus().getConditions().stream()
                .filter(c -> "PodScheduled".equals(c.getType())).findFirst();
    }

    private static Toleration natGatewayToleration() {
        return new TolerationBuilder().withKey(EGRESS_LABEL).withOperator("Equal").withValue(NAT_GATEWAY)
                .withEffect("NoSchedule").build();
    }

    private static Deployment deployment(String app, List<Toleration> tolerations) {
        // kwok never pulls images, so on test/cluster the name only has to be valid; a real kubelet (Kind) needs an
        // image it has: PINHOLE_E2E_IMAGE (the operator image, an Ubuntu-based JRE), sleeping.
        String runnable = System.getenv("PINHOLE_E2E_IMAGE");
        ContainerBuilder main = new ContainerBuilder().withName("main").withImage("example.invalid/pinhole/smoke:1");
        if (runnable != null && !runnable.isBlank()) {
            main.withImage(runnable).withCommand("sleep", "3600");
        }
        return new DeploymentBuilder().withNewMetadata().withName(app).endMetadata()
                .withNewSpec().withReplicas(1)
                .withNewSelector().addToMatchLabels("app", app).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", app).endMetadata()
                .withNewSpec()
                .withNodeSelector(Map.of(EGRESS_LABEL, NAT_GATEWAY))
                .withTolerations(tolerations)
                .addToContainers(main.build())
                .endSpec().endTemplate().endSpec().build();
    }
}
