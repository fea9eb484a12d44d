package dev.pinhole.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.crdv2.generator.CRDGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed CRDs under crds/ (and the chart's copies) are exactly what the Java model generates. To refresh
 * them after changing the model: {@code ./mvnw test -Dtest=CrdsAreCurrentTest -Dpinhole.crds.update=true}.
 */
class CrdsAreCurrentTest {
    static final List<String> FILES = List.of("appconnectors.pinhole.dev-v1.yml", "clients.pinhole.dev-v1.yml",
            "ipsets.pinhole.dev-v1.yml");
    static final Path COMMITTED = Path.of("crds");
    static final Path CHART_COPY = Path.of("helm", "pinhole", "crds");

    @Test
    void committedCrdsMatchTheModel() throws IOException {
        Path generated = Files.createDirectories(Path.of("target", "crd-check"));
        new CRDGenerator()
                .customResourceClasses(AppConnector.class, Client.class, IPSet.class)
                .inOutputDir(generated.toFile())
                .forCRDVersions("v1")
                .detailedGenerate();
        boolean update = Boolean.getBoolean("pinhole.crds.update");
        for (String file : FILES) {
            String expected = Files.readString(generated.resolve(file));
            for (Path dir : List.of(COMMITTED, CHART_COPY)) {
                Path committed = dir.resolve(file);
                if (update) {
                    Files.createDirectories(dir);
                    Files.writeString(committed, expected);
                }
                assertThat(committed).as("%s is missing; run ./mvnw test -Dtest=CrdsAreCurrentTest"
                        + " -Dpinhole.crds.update=true", committed).exists();
                assertThat(Files.readString(committed))
                        .as("%s is out of date with the Java model; run ./mvnw test -Dtest=CrdsAreCurrentTest"
                                + " -Dpinhole.crds.update=true", committed)
                        .isEqualTo(expected);
            }
        }
    }
}
