package dev.pinhole.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * deploy/monitoring/grafana-dashboard.json is an importable dashboard: a Prometheus data-source variable used by
 * every query, panels with titles, unique ids and queries. Which metrics the queries may use:
 * {@link ExportedMetricsTest}.
 */
class GrafanaDashboardTest {
    private static final String DATASOURCE = "${datasource}";

    @Test
    void isADashboardWithAPrometheusDatasourceVariable() {
        JsonNode dashboard = MonitoringFiles.dashboard();

        assertThat(dashboard.path("title").asText()).isNotBlank();
        assertThat(dashboard.path("uid").asText()).matches("[a-zA-Z0-9_-]{1,40}");
        assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
        assertThat(dashboard.has("id")).as("no instance-specific id, so it imports anywhere").isFalse();
        assertThat(variables(dashboard)).anySatisfy(v -> {
            assertThat(v.path("name").asText()).isEqualTo("datasource");
            assertThat(v.path("type").asText()).isEqualTo("datasource");
            assertThat(v.path("query").asText()).isEqualTo("prometheus");
        });
    }

    @Test
    void panelsHaveTitlesUniqueIdsAndAPlaceOnTheGrid() {
        Set<Integer> ids = new HashSet<>();
        List<JsonNode> panels = MonitoringFiles.panels(MonitoringFiles.dashboard());
        assertThat(panels).isNotEmpty();
        for (JsonNode panel : panels) {
            assertThat(panel.path("title").asText()).as("panel %s title", panel.path("id")).isNotBlank();
            assertThat(panel.path("id").isInt()).as("%s has an integer id", panel.path("title")).isTrue();
            assertThat(ids.add(panel.path("id").asInt())).as("id of %s is unique", panel.path("title")).isTrue();
            assertThat(panel.path("type").asText()).as("%s type", panel.path("title")).isNotBlank();
            JsonNode grid = panel.path("gridPos");
            assertThat(List.of("h", "w", "x", "y")).as("%s gridPos", panel.path("title"))
                    .allMatch(k -> grid.path(k).isInt());
            assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as("%s fits 24 columns", panel.path("title"))
                    .isLessThanOrEqualTo(24);
        }
    }

    @Test
    void everyPanelQueriesPrometheusThroughTheVariable() {
        for (JsonNode panel : MonitoringFiles.panels(MonitoringFiles.dashboard())) {
            if ("row".equals(panel.path("type").asText())) {
                continue;
            }
            String title = panel.path("title").asText();
            assertThat(panel.path("datasource").path("uid").asText()).as("%s datasource", title).isEqualTo(DATASOURCE);
            JsonNode targets = panel.path("targets");
            assertThat(targets).as("%s targets", title).isNotEmpty();
            Set<String> refIds = new HashSet<>();
            for (JsonNode target : targets) {
                assertThat(target.path("expr").asText()).as("%s expr", title).isNotBlank();
                assertThat(refIds.add(target.path("refId").asText())).as("%s refIds unique", title).isTrue();
                assertThat(target.path("datasource").path("uid").asText()).as("%s target datasource", title)
                        .isEqualTo(DATASOURCE);
            }
        }
    }

    @Test
    void connectorsAndOperatorHaveTheirPanels() {
        List<String> titles = MonitoringFiles.panels(MonitoringFiles.dashboard()).stream()
                .map(p -> p.path("title").asText()).toList();

        assertThat(titles).contains("Connectors", "Operator", "WireGuard handshakes", "Throughput", "Packets",
                "Active flows", "Drops by reason", "DNS", "Synthetic address mappings", "Reconciles",
                "Reconcile latency", "Child writes", "Status writes");
    }

    @Test
    void queryVariablesUseTheDatasourceVariable() {
        for (JsonNode variable : variables(MonitoringFiles.dashboard())) {
            if ("query".equals(variable.path("type").asText())) {
                assertThat(variable.path("datasource").path("uid").asText()).as(variable.path("name").asText())
                        .isEqualTo(DATASOURCE);
            }
        }
    }

    private static List<JsonNode> variables(JsonNode dashboard) {
        return StreamSupport.stream(dashboard.path("templating").path("list").spliterator(), false).toList();
    }
}
