package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The Argo CD Application example installs the chart of this repository the way the docs say. */
class ArgoApplicationTest {

    private static final Path APPLICATION = RepoLayout.DEPLOY.resolve("argocd/application.yaml");

    private static JsonNode application() {
        Manifests manifests = Manifests.read(APPLICATION);
        assertThat(manifests.objects()).hasSize(1);
        JsonNode application = manifests.objects().get(0);
        assertThat(application.path("apiVersion").asText()).isEqualTo("argoproj.io/v1alpha1");
        assertThat(application.path("kind").asText()).isEqualTo("Application");
        return application;
    }

    @Test
    void sourceIsTheChartInThisRepository() {
        JsonNode source = application().path("spec").path("source");

        assertThat(source.path("path").asText()).isEqualTo("helm/pinhole");
        assertThat(RepoLayout.ROOT.resolve(source.path("path").asText()).resolve("Chart.yaml")).isRegularFile();
        assertThat(source.path("repoURL").asText()).startsWith("https://").endsWith(".git");
    }

    @Test
    void syncsServerSideIntoTheOperatorNamespace() {
        JsonNode spec = application().path("spec");

        assertThat(spec.path("destination").path("namespace").asText()).isEqualTo(Helm.NAMESPACE);
        assertThat(spec.path("syncPolicy").path("syncOptions")).extracting(JsonNode::asText)
                .contains("ServerSideApply=true", "CreateNamespace=true");
        assertThat(spec.path("syncPolicy").path("managedNamespaceMetadata").path("labels")
                .path("pod-security.kubernetes.io/enforce").asText()).isEqualTo("restricted");
    }

    @Test
    void deletingTheApplicationDoesNotCascadeToTheCrds() {
        // The chart's CRDs are managed resources of the Application: a cascading delete would remove every
        // AppConnector and IPSet with them.
        assertThat(application().path("metadata").path("finalizers")).extracting(JsonNode::asText)
                .doesNotContain("resources-finalizer.argocd.argoproj.io",
                        "resources-finalizer.argocd.argoproj.io/foreground",
                        "resources-finalizer.argocd.argoproj.io/background");
    }

    @Test
    void valuesObjectIsAcceptedByTheChart() throws IOException {
        JsonNode values = application().path("spec").path("source").path("helm").path("valuesObject");
        assertThat(values.isObject()).isTrue();
        Path file = Files.createTempFile("pinhole-argo-values", ".yaml");
        try {
            Manifests.YAML.writeValue(file.toFile(), values);
            CommandResult result = Helm.tryTemplate("--values", file.toString());
            assertThat(result.succeeded()).as(result.describe()).isTrue();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
