package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pinhole.operator.appconnector.ConnectorNames;
import dev.pinhole.operator.appconnector.DesiredDeployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Dockerfile cannot be built here (no Docker engine): these checks keep it consistent with the repository. */
class DockerfileTest {

    private static final Dockerfile DOCKERFILE = Dockerfile.read(RepoLayout.ROOT.resolve("Dockerfile"));
    private static final DockerIgnore IGNORE = DockerIgnore.read(RepoLayout.ROOT.resolve(".dockerignore"));
    private static final String APP = "/opt/pinhole/quarkus-app/";

    /** COPY sources from the build context (not --from another stage). */
    private static List<String> contextSources() {
        List<String> sources = new ArrayList<>();
        for (Dockerfile.Instruction copy : DOCKERFILE.all("COPY")) {
            List<String> words = Arrays.stream(copy.arguments().split("\\s+"))
                    .filter(w -> !w.startsWith("--chmod") && !w.startsWith("--chown") && !w.startsWith("--link"))
                    .toList();
            if (words.get(0).startsWith("--from")) {
                continue;
            }
            sources.addAll(words.subList(0, words.size() - 1));
        }
        return sources;
    }

    @Test
    void everyCopiedPathExistsAndIsInTheBuildContext() {
        List<String> sources = contextSources();

        assertThat(sources).contains("mvnw", "pom.xml", ".mvn/", "src/main/", "bin/pinhole");
        for (String source : sources) {
            assertThat(RepoLayout.ROOT.resolve(source)).as(source).exists();
            assertThat(IGNORE.excludes(source)).as(source + " is excluded by .dockerignore").isFalse();
        }
    }

    @Test
    void buildOutputAndLocalClutterStayOutOfTheContext() {
        assertThat(IGNORE.excludes("target/quarkus-app/quarkus-run.jar")).isTrue();
        assertThat(IGNORE.excludes(".git/config")).isTrue();
        assertThat(IGNORE.excludes("helm/pinhole/values.yaml")).isTrue();
        assertThat(IGNORE.excludes("src/main/java/dev/pinhole/package-info.java")).isFalse();
        assertThat(IGNORE.excludes("src/test/java/dev/pinhole/ArchitectureTest.java"))
                .as("tests are not an input of the image: a test edit must not rebuild it").isTrue();
    }

    @Test
    void buildStagePackagesTheFastJarWithTheWrapper() {
        assertThat(DOCKERFILE.all("RUN")).anySatisfy(run ->
                assertThat(run.arguments()).contains("./mvnw", "package", "-Dmaven.test.skip=true"));
        assertThat(DOCKERFILE.finalStage().all("COPY")).anySatisfy(copy ->
                assertThat(copy.arguments()).startsWith("--from=build").endsWith("/target/quarkus-app/ " + APP));
    }

    @Test
    void runtimeIsAJreOfVersion21OrNewer() {
        String image = DOCKERFILE.finalStage().instructions().get(0).arguments();
        Matcher version = Pattern.compile(":(\\d+)[-.]?.*jre").matcher(image);

        assertThat(version.find()).as(image).isTrue();
        assertThat(Integer.parseInt(version.group(1))).isGreaterThanOrEqualTo(21);
    }

    @Test
    void runtimeRunsAsTheNumericNonRootUser() {
        List<Dockerfile.Instruction> users = DOCKERFILE.finalStage().all("USER");

        assertThat(users).isNotEmpty();
        assertThat(users.get(users.size() - 1).arguments()).isEqualTo("65532:65532");
    }

    @Test
    void exposesOperatorHttpConnectorMetricsAndWireGuard() {
        List<String> ports = DOCKERFILE.finalStage().all("EXPOSE").stream()
                .flatMap(e -> Arrays.stream(e.arguments().split("\\s+")))
                .toList();

        assertThat(ports).containsExactlyInAnyOrder("8080", "9090", "51820/udp");
        // The connector's http port as the operator wires its probes and NetworkPolicy.
        assertThat(ports).contains(String.valueOf(ConnectorNames.HTTP_PORT));
    }

    @Test
    void entrypointIsTheRoleScriptAndOperatorIsTheDefault() {
        Dockerfile stage = DOCKERFILE.finalStage();

        assertThat(stage.all("ENTRYPOINT")).singleElement()
                .satisfies(e -> assertThat(e.arguments()).isEqualTo("[\"/opt/pinhole/bin/pinhole\"]"));
        assertThat(stage.all("CMD")).singleElement()
                .satisfies(c -> assertThat(c.arguments()).isEqualTo("[\"operator\"]"));
        assertThat(stage.all("COPY")).anySatisfy(copy ->
                assertThat(copy.arguments()).contains("bin/pinhole /opt/pinhole/bin/pinhole"));
        assertThat(Files.isExecutable(RepoLayout.ROOT.resolve("bin/pinhole"))).isTrue();
    }

    @Test
    void theConnectorsAotCacheIsTrainedWithTheOptionsTheOperatorRendersForConnectorPods() {
        List<Dockerfile.Instruction> stage = DOCKERFILE.finalStage().instructions();
        String training = "JAVA_OPTS=\"" + DesiredDeployment.CONNECTOR_JAVA_OPTS + "\" /opt/pinhole/bin/pinhole aot-train";
        int run = stage.indexOf(new Dockerfile.Instruction("RUN", training));

        assertThat(run).as("RUN %s in the runtime stage", training).isPositive();
        // After the app and the entrypoint are in place (the cache names their jars), before the non-root user.
        assertThat(stage.subList(0, run)).anySatisfy(i -> assertThat(i.arguments()).endsWith(APP))
                .anySatisfy(i -> assertThat(i.arguments()).endsWith("/opt/pinhole/bin/pinhole"))
                .noneSatisfy(i -> assertThat(i.keyword()).isEqualTo("USER"));
    }

    @Test
    void connectorMainClassNamedByTheEntrypointExists() throws IOException {
        Path main = RepoLayout.ROOT.resolve("src/main/java/dev/pinhole/connector/ConnectorMain.java");
        assumeTrue(Files.exists(main), "dev.pinhole.connector.ConnectorMain is not written yet");

        assertThat(Files.readString(RepoLayout.ROOT.resolve("bin/pinhole")))
                .contains("dev.pinhole.connector.ConnectorMain");
        assertThat(Files.readString(main)).contains("public static void main(");
    }
}
