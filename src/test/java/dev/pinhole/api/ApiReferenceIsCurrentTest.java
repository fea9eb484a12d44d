package dev.pinhole.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.ApiReference.Field;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/api-reference.md is exactly what {@link ApiReference} renders from crds/ and examples/, and every field of
 * every CRD carries a description. To refresh the reference after changing the model or an example:
 * {@code ./mvnw test -Dtest=ApiReferenceIsCurrentTest -Dpinhole.docs.update=true}.
 */
class ApiReferenceIsCurrentTest {

    @Test
    void committedReferenceMatchesTheCrdsAndExamples() throws IOException {
        String expected = ApiReference.render(ApiReference.CRDS, ApiReference.EXAMPLES);
        if (Boolean.getBoolean("pinhole.docs.update")) {
            Files.writeString(ApiReference.DOC, expected);
        }
        assertThat(ApiReference.DOC).as("%s is missing; run %s", ApiReference.DOC, ApiReference.UPDATE).exists();
        assertThat(Files.readString(ApiReference.DOC))
                .as("%s is out of date with crds/ or examples/; run %s", ApiReference.DOC, ApiReference.UPDATE)
                .isEqualTo(expected);
    }

    @Test
    void everyCrdFieldHasADescription() {
        List<String> undocumented = new ArrayList<>();
        for (CustomResourceDefinition crd : ApiReference.readCrds(ApiReference.CRDS)) {
            for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
                for (Field field : ApiReference.fields(version)) {
                    String description = field.schema().getDescription();
                    if (description == null || description.isBlank()) {
                        undocumented.add(crd.getSpec().getNames().getKind() + " " + field.path());
                    }
                }
            }
        }
        assertThat(undocumented)
                .as("fields without @JsonPropertyDescription in src/main/java/dev/pinhole/api/ (embedded Kubernetes"
                        + " types: a documented twin in dev.pinhole.api.schema via @SchemaFrom)")
                .isEmpty();
    }

    @Test
    void referenceListsEveryFieldOfEveryKind() {
        String reference = ApiReference.render(ApiReference.CRDS, ApiReference.EXAMPLES);
        List<CustomResourceDefinition> crds = ApiReference.readCrds(ApiReference.CRDS);

        assertThat(crds).extracting(crd -> crd.getSpec().getNames().getKind())
                .containsExactly("AppConnector", "Client", "IPSet");
        for (CustomResourceDefinition crd : crds) {
            for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
                List<Field> fields = ApiReference.fields(version);
                assertThat(fields).isNotEmpty();
                for (Field field : fields) {
                    assertThat(reference).contains("| " + ApiReference.code(field.path()) + " | ");
                }
            }
        }
    }

    @Test
    void nestedFieldsAreNamedByTheirFullPath() {
        CustomResourceDefinition connector = ApiReference.readCrds(ApiReference.CRDS).get(0);
        List<String> paths = ApiReference.fields(connector.getSpec().getVersions().get(0)).stream()
                .map(Field::path).toList();

        assertThat(paths).contains("spec.tunnel.appRange", "spec.clients[].publicKey",
                "spec.egress.natGateway.tolerations[].tolerationSeconds", "status.conditions[].reason");
    }

    @Test
    void everyExampleFileIsShownUnderTheKindsItHolds() throws IOException {
        String reference = ApiReference.render(ApiReference.CRDS, ApiReference.EXAMPLES);

        for (String kind : List.of("AppConnector", "IPSet")) {
            List<java.nio.file.Path> examples = ApiReference.examplesOf(kind, ApiReference.EXAMPLES);
            assertThat(examples).as(kind + " examples").isNotEmpty();
            for (java.nio.file.Path example : examples) {
                assertThat(reference).contains("```yaml\n" + Files.readString(example));
            }
        }
    }

    @Test
    void tableCellsEscapePipesAndAngleBrackets() {
        assertThat(ApiReference.code("a || b")).isEqualTo("`a \\|\\| b`");
        assertThat(ApiReference.cell("key of <connector>-clients | x")).isEqualTo(
                "key of &lt;connector&gt;-clients \\| x");
    }
}
