package dev.pinhole.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The committed monitoring files and the PromQL they hold. */
final class MonitoringFiles {
    static final Path ALERTS = Path.of("deploy", "monitoring", "alerts.yaml");
    static final Path CHART_ALERTS = Path.of("helm", "pinhole", "files", "alerts.yaml");
    static final Path DASHBOARD = Path.of("deploy", "monitoring", "grafana-dashboard.json");
    static final Path METRICS_DOC = Path.of("docs", "metrics.md");

    private MonitoringFiles() {
    }

    static JsonNode alerts() {
        return read(new YAMLMapper(), ALERTS);
    }

    static JsonNode dashboard() {
        return read(new ObjectMapper(), DASHBOARD);
    }

    private static JsonNode read(ObjectMapper mapper, Path file) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + " does not parse", e);
        }
    }

    /** Every rule of the PrometheusRule, alerts and recordings. */
    static List<JsonNode> rules(JsonNode prometheusRule) {
        List<JsonNode> rules = new ArrayList<>();
        for (JsonNode group : prometheusRule.path("spec").path("groups")) {
            group.path("rules").forEach(rules::add);
        }
        return rules;
    }

    /** Alert name to expression. */
    static Map<String, String> alertExpressions() {
        Map<String, String> exprs = new LinkedHashMap<>();
        for (JsonNode rule : rules(alerts())) {
            exprs.put(rule.path("alert").asText(rule.path("record").asText()), rule.path("expr").asText());
        }
        return exprs;
    }

    /** Every panel, the ones inside rows included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            panels.add(panel);
            panel.path("panels").forEach(panels::add);
        }
        return panels;
    }

    /** "panel title / refId" to expression, for every target of every panel. */
    static Map<String, String> dashboardExpressions() {
        Map<String, String> exprs = new LinkedHashMap<>();
        for (JsonNode panel : panels(dashboard())) {
            for (JsonNode target : panel.path("targets")) {
                exprs.put(panel.path("title").asText() + " / " + target.path("refId").asText(),
                        target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard().path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                String query = variable.path("query").isTextual() ? variable.path("query").asText()
                        : variable.path("query").path("query").asText();
                exprs.put("variable " + variable.path("name").asText(), labelValuesSelector(query));
            }
        }
        return exprs;
    }

    /** The series selector of a Grafana {@code label_values(selector, label)} query. */
    private static String labelValuesSelector(String query) {
        if (query.startsWith("label_values(") && query.endsWith(")")) {
            String inner = query.substring("label_values(".length(), query.length() - 1);
            int comma = inner.lastIndexOf(',');
            return comma < 0 ? "" : inner.substring(0, comma);
        }
        return query;
    }
}
