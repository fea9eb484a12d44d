package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The operator's JVM options (docs/scale.md, "Peak RSS"): the same list wherever users get them (chart, deploy/,
 * image), and a heap that is the stated share of the pod's memory limit at every limit.
 */
class OperatorJvmOptionsTest {

    /** The heap's share of the memory limit the options promise (docs/operations.md, chart values). */
    private static final double HEAP_SHARE = 0.40;
    private static final long MIB = 1L << 20;

    private static List<String> words(String options) {
        return Arrays.stream(options.strip().split("\\s+")).toList();
    }

    static List<String> chartOptions() {
        try {
            JsonNode values = Manifests.YAML.readTree(RepoLayout.ROOT.resolve("helm/pinhole/values.yaml").toFile());
            return words(values.path("javaOpts").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> deployOptions() {
        JsonNode deployment = Manifests.read(RepoLayout.ROOT.resolve("deploy/deployment.yaml"))
                .get("Deployment", null, "pinhole-operator");
        for (JsonNode variable : deployment.at("/spec/template/spec/containers/0/env")) {
            if (variable.path("name").asText().equals("JAVA_OPTS")) {
                return words(variable.path("value").asText());
            }
        }
        throw new AssertionError("deploy/deployment.yaml: the operator container has no JAVA_OPTS");
    }

    private static String imageEnv(String name) {
        Pattern assignment = Pattern.compile("(?:^|\\s)" + name + "=(\"[^\"]*\"|\\S+)");
        for (Dockerfile.Instruction env : Dockerfile.read(RepoLayout.ROOT.resolve("Dockerfile")).finalStage().all("ENV")) {
            Matcher m = assignment.matcher(env.arguments());
            if (m.find()) {
                return m.group(1).replace("\"", "");
            }
        }
        throw new AssertionError("the Dockerfile's runtime stage sets no " + name);
    }

    /** MaxHeapSize the test's own JVM picks for these options inside a memory limit (options it lacks ignored). */
    private static long maxHeapBytes(List<String> options, String memoryLimit) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxRAM=" + memoryLimit, "-XX:+IgnoreUnrecognizedVMOptions"));
        command.addAll(options);
        command.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
        CommandResult result = ExternalCommand.run(Path.of("."), Duration.ofMinutes(1), command);
        assertThat(result.exitCode()).as(result.describe()).isZero();
        Matcher m = Pattern.compile("\\bMaxHeapSize\\s+=\\s+(\\d+)").matcher(result.stdout());
        assertThat(m.find()).as("MaxHeapSize in\n" + result.stdout()).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void chartDeployAndImageRunTheOperatorWithTheSameOptions() {
        assertThat(deployOptions()).isEqualTo(chartOptions());
        assertThat(words(imageEnv("JAVA_OPTS"))).isEqualTo(chartOptions());
    }

    @Test
    void theHeapIsItsShareOfTheLimitAlsoBelowTheJvmsDefaultFloor() {
        // Below a heap of ~126 MiB the JVM ignores MaxRAMPercentage and takes its default MaxHeapSize (the larger
        // of the two) unless MinRAMPercentage says otherwise: at a 256Mi limit that was 126 MiB, not 40 % (102),
        // and with ~150 MiB outside the heap such a pod outgrows its limit before its heap is full.
        for (long limitMib : new long[] {256, 512, 1024, 2048}) {
            long heap = maxHeapBytes(chartOptions(), limitMib + "m");

            assertThat((double) heap / (limitMib * MIB)).as("heap share at a %d MiB limit", limitMib)
                    .isBetween(HEAP_SHARE - 0.01, HEAP_SHARE + 0.01);
        }
    }

    @Test
    void theImageCapsGlibcArenas() {
        // One malloc arena per busy thread held ~70 MiB more RSS at 1,000 AppConnectors (docs/scale.md).
        assertThat(imageEnv("MALLOC_ARENA_MAX")).isEqualTo("2");
    }

    @Test
    void chartValuesDocumentTheOptionsTheyShip() throws IOException {
        String documented = Files.readString(RepoLayout.ROOT.resolve("docs/packaging.md"));

        assertThat(documented).contains("| `javaOpts` | `" + String.join(" ", chartOptions()) + "` |");
    }
}
