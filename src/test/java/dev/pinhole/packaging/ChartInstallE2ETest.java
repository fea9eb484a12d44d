package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Installs the packaging into the real cluster that {@code KUBECONFIG} points at (test/cluster/up.sh): the CRDs are
 * accepted and established, the chart and deploy/ install under the restricted Pod Security Standard, the operator's
 * ServiceAccount gets exactly the documented rights (asked through SubjectAccessReviews), and the examples are
 * admitted (schema and CEL rules). Everything it creates carries a random suffix and is removed afterwards, except
 * the CRDs, which other tests share. Skipped without KUBECONFIG; fails instead when PINHOLE_REQUIRE_CLUSTER=1.
 */
@Tag("e2e")
class ChartInstallE2ETest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 6);
    /** The release namespace, the one namespace the chart install watches, and one it must not touch. */
    private static final String RELEASE_NS = "ph-pkg-sys-" + SUFFIX;
    private static final String WATCHED_NS = "ph-pkg-watched-" + SUFFIX;
    private static final String UNWATCHED_NS = "ph-pkg-other-" + SUFFIX;
    private static final String FULLNAME = "ph-pkg-" + SUFFIX;
    /** deploy/ installed with its namespace and cluster-scoped names suffixed, so it cannot collide with others. */
    private static final String DEPLOY_NS = "ph-pkg-deploy-" + SUFFIX;
    private static final String DEPLOY_SUFFIX = "-" + SUFFIX;
    /**
     * The operator image the cluster can run ("repository:tag"), set by test/kind/run.sh, where pods really start;
     * unset on test/cluster, whose simulated kubelets never pull, so the chart's and deploy/'s own image stays.
     */
    private static final String IMAGE = System.getenv("PINHOLE_E2E_IMAGE");

    private static KubernetesClient client;
    private static final List<HasMetadata> CLUSTER_SCOPED = new ArrayList<>();

    @BeforeAll
    static void connect() {
        client = dev.pinhole.e2e.E2ECluster.connect(ChartInstallE2ETest.class);
        for (String ns : List.of(RELEASE_NS, WATCHED_NS, UNWATCHED_NS)) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                    .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build()).create();
        }
    }

    @AfterAll
    static void cleanUp() {
        if (client == null) {
            return;
        }
        Helm.run(List.of("uninstall", "pinhole", "--namespace", RELEASE_NS, "--ignore-not-found"));
        for (String ns : List.of(RELEASE_NS, WATCHED_NS, UNWATCHED_NS, DEPLOY_NS)) {
            client.namespaces().withName(ns).delete();
        }
        CLUSTER_SCOPED.forEach(o -> client.resource(o).delete());
        client.close();
    }

    @Test
    void crdsAreAcceptedAndEstablished() throws Exception {
        for (CustomResourceDefinition crd : applyCrds()) {
            String name = crd.getMetadata().getName();
            client.apiextensions().v1().customResourceDefinitions().withName(name).waitUntilCondition(
                    c -> c != null && c.getStatus() != null && c.getStatus().getConditions().stream().anyMatch(
                            k -> "Established".equals(k.getType()) && "True".equals(k.getStatus())),
                    WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void examplesAreAdmittedByTheApiServer() throws Exception {
        crdsAreAcceptedAndEstablished();
        for (String file : List.of("ipset.yaml", "appconnector.yaml")) {
            for (JsonNode example : Manifests.read(RepoLayout.EXAMPLES.resolve(file)).objects()) {
                ObjectNode copy = example.deepCopy();
                ((ObjectNode) copy.path("metadata")).put("namespace", UNWATCHED_NS);
                HasMetadata created = client.resource(serialization().unmarshal(copy.toString(), HasMetadata.class))
                        .dryRun().create();
                assertThat(created.getMetadata().getName()).isEqualTo(example.path("metadata").path("name").asText());
            }
        }
    }

    @Test
    void chartInstallsAndItsOperatorPodIsAdmittedAsRestricted() {
        installChart();

        Pod pod = runningPod(RELEASE_NS);
        assertThat(pod.getSpec().getServiceAccountName()).isEqualTo(FULLNAME);
    }

    @Test
    void chartGivesTheOperatorExactlyItsRightsAndOnlyInTheWatchedNamespace() {
        installChart();
        String user = "system:serviceaccount:" + RELEASE_NS + ":" + FULLNAME;

        for (Permission p : OperatorRbac.NAMESPACED) {
            assertThat(allowed(user, RELEASE_NS, p, WATCHED_NS)).as("%s in %s", p, WATCHED_NS).isTrue();
            assertThat(allowed(user, RELEASE_NS, p, UNWATCHED_NS)).as("%s in %s", p, UNWATCHED_NS).isFalse();
        }
        OperatorRbac.CLUSTER.forEach(p -> assertThat(allowed(user, RELEASE_NS, p, "")).as("%s", p).isTrue());
        OperatorRbac.LEADER_ELECTION.forEach(p ->
                assertThat(allowed(user, RELEASE_NS, p, RELEASE_NS)).as("%s without leader election", p).isFalse());
        for (Permission p : List.of(new Permission("", "pods", "delete"), new Permission("", "secrets", "deletecollection"),
                new Permission("pinhole.dev", "appconnectors", "create"),
                new Permission("pinhole.dev", "appconnectors", "delete"),
                new Permission("rbac.authorization.k8s.io", "roles", "create"),
                new Permission("", "serviceaccounts", "create"))) {
            assertThat(allowed(user, RELEASE_NS, p, WATCHED_NS)).as("%s must not be granted", p).isFalse();
        }
        assertThat(allowed(user, RELEASE_NS,
                new Permission("apiextensions.k8s.io", "customresourcedefinitions", "create"), "")).isFalse();
        assertThat(allowed(user, RELEASE_NS, new Permission("", "nodes", "patch"), "")).isFalse();
        for (Permission p : OperatorRbac.UNUSED) {
            String namespace = p.resource().equals("nodes") ? "" : WATCHED_NS;
            assertThat(allowed(user, RELEASE_NS, p, namespace)).as("%s is never used", p).isFalse();
        }
    }

    @Test
    void deployManifestsInstallWithClusterWideRightsAndARestrictedPod() {
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode object : Kustomize.build(RepoLayout.DEPLOY).objects()) {
            objects.add(serialization().unmarshal(renamedForThisRun(object).toString(), HasMetadata.class));
        }
        for (HasMetadata object : objects) {
            if (object.getMetadata().getNamespace() == null && !"Namespace".equals(object.getKind())) {
                CLUSTER_SCOPED.add(object);
            }
            client.resource(object).create();
        }

        runningPod(DEPLOY_NS);
        String user = "system:serviceaccount:" + DEPLOY_NS + ":pinhole-operator";
        for (Permission p : OperatorRbac.NAMESPACED) {
            assertThat(allowed(user, DEPLOY_NS, p, UNWATCHED_NS)).as("%s anywhere", p).isTrue();
        }
        OperatorRbac.CLUSTER.forEach(p -> assertThat(allowed(user, DEPLOY_NS, p, "")).as("%s", p).isTrue());
        assertThat(allowed(user, DEPLOY_NS, new Permission("", "pods", "delete"), UNWATCHED_NS)).isFalse();
    }

    private static synchronized void installChart() {
        CommandResult status = Helm.run(List.of("status", "pinhole", "--namespace", RELEASE_NS));
        if (status.succeeded()) {
            return;
        }
        List<String> args = new ArrayList<>(List.of("install", "pinhole", RepoLayout.CHART.toString(),
                "--namespace", RELEASE_NS, "--skip-crds", "--wait", "--timeout", WAIT.toSeconds() + "s",
                "--set", "fullnameOverride=" + FULLNAME, "--set", "watchNamespaces={" + WATCHED_NS + "}"));
        if (IMAGE != null && !IMAGE.isBlank()) {
            int colon = IMAGE.lastIndexOf(':');
            args.addAll(List.of("--set", "image.repository=" + IMAGE.substring(0, colon),
                    "--set", "image.tag=" + IMAGE.substring(colon + 1), "--set", "image.pullPolicy=IfNotPresent"));
        }
        CommandResult install = Helm.run(args, WAIT.plusSeconds(30));
        assertThat(install.succeeded()).as(install.describe()).isTrue();
        CLUSTER_SCOPED.add(client.rbac().clusterRoles().withName(FULLNAME + "-nodes").get());
    }

    private static List<CustomResourceDefinition> applyCrds() throws Exception {
        List<CustomResourceDefinition> crds = new ArrayList<>();
        try (Stream<Path> files = Files.list(RepoLayout.CRDS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
                CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions()
                        .load(file.toFile()).item();
                crds.add(client.apiextensions().v1().customResourceDefinitions().resource(crd)
                        .fieldManager("pinhole-packaging-e2e").forceConflicts().serverSideApply());
            }
        }
        assertThat(crds).extracting(c -> c.getMetadata().getName())
                .containsExactlyInAnyOrder("appconnectors.pinhole.dev", "clients.pinhole.dev", "ipsets.pinhole.dev");
        return crds;
    }

    private static Pod runningPod(String namespace) {
        return await().atMost(WAIT).until(() -> client.pods().inNamespace(namespace).list().getItems().stream()
                        .filter(p -> "Running".equals(p.getStatus().getPhase())).findFirst(),
                java.util.Optional::isPresent).orElseThrow();
    }

    /** Asks the API server's authorizer, as the ServiceAccount with its groups. */
    private static boolean allowed(String user, String saNamespace, Permission p, String namespace) {
        String[] resource = p.resource().split("/", 2);
        SubjectAccessReview review = new SubjectAccessReviewBuilder().withNewSpec()
                .withUser(user)
                .withGroups("system:serviceaccounts", "system:serviceaccounts:" + saNamespace, "system:authenticated")
                .withNewResourceAttributes()
                .withGroup(p.apiGroup()).withResource(resource[0])
                .withSubresource(resource.length > 1 ? resource[1] : "")
                .withVerb(p.verb()).withNamespace(namespace)
                .endResourceAttributes().endSpec().build();
        return client.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
    }

    /**
     * deploy/ objects with pinhole-system and the cluster-scoped names suffixed for this run, and the operator image
     * replaced by {@link #IMAGE} when set.
     */
    private static JsonNode renamedForThisRun(JsonNode object) {
        ObjectNode copy = object.deepCopy();
        if (IMAGE != null && !IMAGE.isBlank() && "Deployment".equals(copy.path("kind").asText())) {
            for (JsonNode container : copy.path("spec").path("template").path("spec").path("containers")) {
                ((ObjectNode) container).put("image", IMAGE);
                for (JsonNode env : container.path("env")) {
                    if ("PINHOLE_CONNECTOR_IMAGE".equals(env.path("name").asText())) {
                        ((ObjectNode) env).put("value", IMAGE);
                    }
                }
            }
        }
        ObjectNode metadata = (ObjectNode) copy.path("metadata");
        String kind = copy.path("kind").asText();
        if ("Namespace".equals(kind)) {
            metadata.put("name", DEPLOY_NS);
        } else if (metadata.has("namespace")) {
            metadata.put("namespace", DEPLOY_NS);
        } else {
            metadata.put("name", metadata.path("name").asText() + DEPLOY_SUFFIX);
        }
        if (Set.of("ClusterRoleBinding", "RoleBinding").contains(kind)) {
            if ("ClusterRole".equals(copy.path("roleRef").path("kind").asText())) {
                ((ObjectNode) copy.path("roleRef")).put("name", copy.path("roleRef").path("name").asText()
                        + DEPLOY_SUFFIX);
            }
            copy.path("subjects").forEach(s -> ((ObjectNode) s).put("namespace", DEPLOY_NS));
        }
        return copy;
    }

    private static KubernetesSerialization serialization() {
        return client.getKubernetesSerialization();
    }
}
