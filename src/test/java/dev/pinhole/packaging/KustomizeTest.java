package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** `kubectl apply -k deploy/` installs what the chart installs with default values. */
class KustomizeTest {

    @Test
    void deployHoldsTheChartsDefaultObjectsPlusTheNamespace() {
        Manifests deploy = Kustomize.build(RepoLayout.DEPLOY);
        Manifests chart = Helm.template();

        List<String> expected = new ArrayList<>(chart.identities());
        expected.add("Namespace " + Helm.NAMESPACE);
        assertThat(deploy.identities()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void deployObjectsEqualTheChartsApartFromLabels() {
        Map<String, JsonNode> deploy = withoutLabels(Kustomize.build(RepoLayout.DEPLOY));
        Map<String, JsonNode> chart = withoutLabels(Helm.template());

        for (Map.Entry<String, JsonNode> object : chart.entrySet()) {
            assertThat(deploy.get(object.getKey())).as("deploy/ " + object.getKey() + " (chart on the right)")
                    .isEqualTo(object.getValue());
        }
    }

    @Test
    void deployGrantsExactlyTheOperatorRules() {
        Manifests deploy = Kustomize.build(RepoLayout.DEPLOY);

        assertThat(deploy.ofKind("Role")).isEmpty();
        assertThat(Permission.ofRole(deploy.get("ClusterRole", null, "pinhole-operator")))
                .containsExactlyInAnyOrderElementsOf(OperatorRbac.NAMESPACED);
        assertThat(Permission.ofRoles(deploy.ofKind("ClusterRole")))
                .containsExactlyInAnyOrderElementsOf(OperatorRbac.union(OperatorRbac.NAMESPACED, OperatorRbac.CLUSTER));
    }

    @Test
    void deployUsesOnlyFieldsKubernetesDefines() {
        assertThat(KnownFields.unknownFields(Kustomize.build(RepoLayout.DEPLOY))).isEmpty();
    }

    @Test
    void operatorNamespaceEnforcesRestrictedPodSecurity() {
        Manifests deploy = Kustomize.build(RepoLayout.DEPLOY);
        JsonNode namespace = deploy.get("Namespace", null, Helm.NAMESPACE);

        assertThat(namespace.path("metadata").path("labels").path("pod-security.kubernetes.io/enforce").asText())
                .isEqualTo("restricted");
        HelmChartTest.assertRestricted(deploy.get("Deployment", Helm.NAMESPACE, "pinhole-operator"));
    }

    /** Objects by identity with metadata labels and annotations removed (Helm and kustomize label differently). */
    private static Map<String, JsonNode> withoutLabels(Manifests manifests) {
        return withoutLabels(manifests.objects());
    }

    /** The given objects by identity, without metadata labels and annotations. */
    static Map<String, JsonNode> withoutLabels(Iterable<JsonNode> objects) {
        Map<String, JsonNode> byIdentity = new TreeMap<>();
        for (JsonNode object : objects) {
            ObjectNode copy = object.deepCopy();
            ObjectNode metadata = (ObjectNode) copy.path("metadata");
            metadata.remove("labels");
            metadata.remove("annotations");
            byIdentity.put(Manifests.identity(object), copy);
        }
        return byIdentity;
    }
}
