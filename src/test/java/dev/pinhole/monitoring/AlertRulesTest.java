package dev.pinhole.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pinhole.testing.ToolRequired;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/monitoring/alerts.yaml is a PrometheusRule whose rules promtool accepts and whose alerts fire as the unit
 * tests in alerts-test.yaml expect. Which metrics the alerts may use: {@link ExportedMetricsTest}.
 */
class AlertRulesTest {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

    @Test
    void isAPrometheusRuleWithUniquelyNamedAlerts() {
        JsonNode rule = MonitoringFiles.alerts();

        assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.path("kind").asText()).isEqualTo("PrometheusRule");
        assertThat(rule.path("metadata").path("name").asText()).isNotBlank();
        assertThat(rule.path("metadata").has("namespace")).as("namespace comes from kustomize or helm").isFalse();
        Set<String> names = new HashSet<>();
        List<JsonNode> rules = MonitoringFiles.rules(rule);
        assertThat(rules).isNotEmpty();
        for (JsonNode alert : rules) {
            String name = alert.path("alert").asText();
            assertThat(name).as("every rule is an alert").startsWith("Pinhole");
            assertThat(names.add(name)).as("alert %s is unique", name).isTrue();
        }
    }

    @Test
    void everyAlertHasASeveritySummaryAndDescription() {
        for (JsonNode alert : MonitoringFiles.rules(MonitoringFiles.alerts())) {
            String name = alert.path("alert").asText();
            assertThat(alert.path("labels").path("severity").asText()).as("%s severity", name).isIn(SEVERITIES);
            assertThat(alert.path("annotations").path("summary").asText()).as("%s summary", name).isNotBlank();
            assertThat(alert.path("annotations").path("description").asText()).as("%s description", name)
                    .isNotBlank();
        }
    }

    @Test
    @ToolRequired(value = "promtool", installHint = "prometheus")
    void promtoolAcceptsTheRules(@TempDir Path dir) throws Exception {
        Path rules = writeGroups(dir, false);

        assertThat(promtool(dir, "check", "rules", rules.toString())).contains("SUCCESS");
    }

    @Test
    @ToolRequired(value = "promtool", installHint = "prometheus")
    void alertsFireAsTheUnitTestsExpect(@TempDir Path dir) throws Exception {
        writeGroups(dir, true);
        Path tests = dir.resolve("alerts-test.yaml");
        try (InputStream in = AlertRulesTest.class.getResourceAsStream("alerts-test.yaml")) {
            assertThat(in).as("alerts-test.yaml next to this class").isNotNull();
            Files.copy(in, tests);
        }

        assertThat(promtool(dir, "test", "rules", tests.toString())).contains("SUCCESS");
    }

    /** The PrometheusRule's groups as a Prometheus rule file (what the Prometheus Operator hands to Prometheus). */
    private static Path writeGroups(Path dir, boolean withoutAnnotations) throws IOException {
        ObjectNode file = YAML.createObjectNode();
        JsonNode groups = MonitoringFiles.alerts().path("spec").path("groups").deepCopy();
        if (withoutAnnotations) {
            for (JsonNode group : groups) {
                group.path("rules").forEach(r -> ((ObjectNode) r).remove("annotations"));
            }
        }
        file.set("groups", groups);
        Path rules = dir.resolve("rules.yaml");
        YAML.writeValue(rules.toFile(), file);
        return rules;
    }

    private static String promtool(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Path output = dir.resolve("promtool.out");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        process.getOutputStream().close();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("promtool " + String.join(" ", args) + " did not finish in 2 minutes");
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("promtool %s\n%s", String.join(" ", args), text).isZero();
        return text;
    }
}
