package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * `kubectl apply -k deploy/monitoring/` installs the monitoring objects the chart renders with its monitoring values
 * on, plus the Grafana dashboard ConfigMap; the chart's alerts are deploy/monitoring/alerts.yaml byte for byte.
 */
class MonitoringManifestsTest {
    private static final List<String> MONITORING_KINDS = List.of("ServiceMonitor", "PodMonitor", "PrometheusRule");
    private static final String[] ALL_ON = {"--set", "metrics.serviceMonitor.enabled=true",
        "--set", "metrics.podMonitor.enabled=true", "--set", "prometheusRule.enabled=true"};

    @Test
    void chartAlertsAreACopyOfTheDeployAlerts() throws IOException {
        assertThat(Files.readString(RepoLayout.CHART.resolve("files/alerts.yaml")))
                .as("helm/pinhole/files/alerts.yaml: cp deploy/monitoring/alerts.yaml helm/pinhole/files/")
                .isEqualTo(Files.readString(RepoLayout.DEPLOY.resolve("monitoring/alerts.yaml")));
    }

    @Test
    void monitoringObjectsAreRenderedOnlyWhenEnabled() {
        Manifests defaults = Helm.template();
        for (String kind : MONITORING_KINDS) {
            assertThat(defaults.ofKind(kind)).as(kind).isEmpty();
        }
        Manifests enabled = Helm.template(ALL_ON);
        for (String kind : MONITORING_KINDS) {
            assertThat(enabled.ofKind(kind)).as(kind).hasSize(1);
        }
    }

    @Test
    void chartLintsWithMonitoringOn() {
        List<String> args = new java.util.ArrayList<>(List.of("lint", "--strict", RepoLayout.CHART.toString()));
        args.addAll(List.of(ALL_ON));
        CommandResult lint = Helm.run(args);
        assertThat(lint.succeeded()).as(lint.describe()).isTrue();
    }

    @Test
    void deployMonitoringEqualsTheChartsApartFromLabels() {
        Map<String, JsonNode> deploy = monitoringObjects(Kustomize.build(RepoLayout.DEPLOY.resolve("monitoring")));
        Map<String, JsonNode> chart = monitoringObjects(Helm.template(ALL_ON));

        assertThat(deploy.keySet()).containsExactlyInAnyOrderElementsOf(chart.keySet());
        chart.forEach((identity, object) -> assertThat(deploy.get(identity))
                .as("deploy/monitoring/ " + identity + " (chart on the right)").isEqualTo(object));
    }

    @Test
    void prometheusRuleKeepsTheAlertTemplatesForPrometheus() {
        JsonNode rule = Helm.template("--set", "prometheusRule.enabled=true").ofKind("PrometheusRule").get(0);

        assertThat(rule.toString()).contains("{{ $labels.namespace }}");
    }

    @Test
    void podMonitorFollowsTheWatchedNamespaces() {
        JsonNode all = Helm.template("--set", "metrics.podMonitor.enabled=true").ofKind("PodMonitor").get(0);
        JsonNode some = Helm.template("--set", "metrics.podMonitor.enabled=true",
                "--set", "watchNamespaces={team-a,team-b}").ofKind("PodMonitor").get(0);

        assertThat(all.path("spec").path("namespaceSelector").path("any").asBoolean()).isTrue();
        assertThat(some.path("spec").path("namespaceSelector").path("matchNames")).extracting(JsonNode::asText)
                .containsExactly("team-a", "team-b");
        assertThat(all.path("spec").path("podMetricsEndpoints").get(0).path("path").asText()).isEqualTo("/metrics");
    }

    @Test
    void dashboardConfigMapHoldsTheDashboardForTheGrafanaSidecar() throws IOException {
        JsonNode configMap = Kustomize.build(RepoLayout.DEPLOY.resolve("monitoring"))
                .get("ConfigMap", Helm.NAMESPACE, "pinhole-grafana-dashboard");

        assertThat(configMap.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(configMap.path("data").path("pinhole.json").asText()))
                .isEqualTo(json.readTree(RepoLayout.DEPLOY.resolve("monitoring/grafana-dashboard.json").toFile()));
    }

    private static Map<String, JsonNode> monitoringObjects(Manifests manifests) {
        return KustomizeTest.withoutLabels(MONITORING_KINDS.stream().flatMap(k -> manifests.ofKind(k).stream()).toList());
    }
}
