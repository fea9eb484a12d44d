package dev.pinhole.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.connector.ConnectorSeries;
import dev.pinhole.operator.ReconcileMetrics;
import dev.pinhole.operator.ipset.FeedMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md, the alerts and the Grafana dashboard name exactly what the two processes export. The exported
 * set is scraped for real: the running operator (this {@code @QuarkusTest}) after it reconciled and after a failed
 * reconcile and a retry, and a started connector process plus its metric classes driven through every reason.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ExportedMetricsTest {
    static final String OPERATOR = "operator";
    static final String CONNECTOR = "connector";
    /** Prometheus adds {@code up} to every target; the alerts use it for targets that stop answering. */
    static final Set<String> PROMETHEUS_SERIES = Set.of("up");
    /** Labels that belong to the sample layout, not to the metric: histogram buckets and summary quantiles. */
    static final Set<String> LAYOUT_LABELS = Set.of("le", "quantile");

    private static Map<String, Exposition> exported;

    @Inject
    KubernetesClient client;
    @Inject
    ReconcileMetrics reconciles;
    @Inject
    Operator operator;
    @Inject
    FeedMetrics feeds;

    @BeforeEach
    void scrapeOnce() throws Exception {
        if (exported == null) {
            Path dir = Files.createTempDirectory("pinhole-exported-metrics");
            exported = Map.of(
                    OPERATOR, Exposition.of(List.of(OperatorSeries.scrape(client, reconciles, operator, feeds))),
                    CONNECTOR, Exposition.of(ConnectorSeries.scrapes(dir)));
        }
    }

    @Test
    void metricsTableListsExactlyThePinholeAndSdkMetricsOfEachProcess() {
        MetricsDoc doc = MetricsDoc.read(MonitoringFiles.METRICS_DOC);
        for (String process : List.of(OPERATOR, CONNECTOR)) {
            Set<String> documented = doc.metrics().stream().filter(m -> m.processes().contains(process))
                    .map(MetricsDoc.Metric::name).collect(Collectors.toCollection(TreeSet::new));

            assertThat(documented).as("docs/metrics.md metrics exported by the %s", process)
                    .containsExactlyInAnyOrderElementsOf(ownFamilies(doc, process).keySet());
        }
    }

    @Test
    void standardFamiliesCoverEverythingElseAndEachPrefixIsExported() {
        MetricsDoc doc = MetricsDoc.read(MonitoringFiles.METRICS_DOC);
        for (String process : List.of(OPERATOR, CONNECTOR)) {
            Set<String> names = promNames(exported.get(process)).keySet();
            for (MetricsDoc.Family family : doc.families()) {
                if (family.processes().contains(process)) {
                    assertThat(names).as("%s exports a %s* metric (docs/metrics.md standard families)", process,
                            family.prefix()).anyMatch(n -> n.startsWith(family.prefix()));
                } else {
                    assertThat(names).as("%s exports no %s* metric", process, family.prefix())
                            .noneMatch(n -> n.startsWith(family.prefix()));
                }
            }
        }
    }

    @Test
    void documentedTypesAndLabelsAreTheExportedOnes() {
        MetricsDoc doc = MetricsDoc.read(MonitoringFiles.METRICS_DOC);
        for (MetricsDoc.Metric metric : doc.metrics()) {
            for (String process : metric.processes()) {
                Exposition exposition = exported.get(process);
                String family = ownFamilies(doc, process).get(metric.name());
                assertThat(family).as("%s exported by the %s", metric.name(), process).isNotNull();
                assertThat(metric.type()).as("type of %s", metric.name())
                        .isEqualTo(exposition.families().get(family));

                Map<String, Set<String>> labels = new TreeMap<>(exposition.labelsOf(family));
                LAYOUT_LABELS.forEach(labels::remove);
                if (CONNECTOR.equals(process)) {
                    assertThat(labels.remove("role")).as("role label of %s", metric.name())
                            .containsExactly("connector");
                }
                assertThat(metric.labels()).as("labels of %s", metric.name())
                        .containsExactlyInAnyOrderElementsOf(labels.keySet());
            }
        }
    }

    @Test
    void dropReasonsAndDnsRefusalsAreTheExportedValues() {
        MetricsDoc doc = MetricsDoc.read(MonitoringFiles.METRICS_DOC);
        Exposition connector = exported.get(CONNECTOR);

        assertThat(doc.keys("drop-reasons")).as("docs/metrics.md drop reasons")
                .containsExactlyInAnyOrderElementsOf(
                        connector.labelsOf("pinhole_connector_drops_total").get("reason"));
        assertThat(doc.keys("dns-refusals")).as("docs/metrics.md DNS refusals")
                .containsExactlyInAnyOrderElementsOf(
                        connector.labelsOf("pinhole_connector_dns_refused_total").get("reason"));
    }

    /** Label values are an interface (dashboards, alerts, docs/flow-records.md): pinned here. */
    @Test
    void recordKindsAndDropReasonsAreTheDocumentedValues() {
        Exposition connector = exported.get(CONNECTOR);

        assertThat(connector.labelsOf("pinhole_connector_records_total").get("kind"))
                .containsExactlyInAnyOrder("flow", "refusal", "lookup", "summary", "gap");
        assertThat(connector.labelsOf("pinhole_connector_records_dropped_total").get("kind"))
                .containsExactlyInAnyOrder("flow", "refusal", "lookup", "summary");
        assertThat(connector.labelsOf("pinhole_connector_records_dropped_total").get("reason"))
                .containsExactlyInAnyOrder("queue_full", "queue_bytes", "client_share", "rate_limited",
                        "write_failed");
    }

    @Test
    void feedOutcomesAreTheExportedValues() {
        MetricsDoc doc = MetricsDoc.read(MonitoringFiles.METRICS_DOC);

        assertThat(doc.keys("feed-outcomes")).as("docs/metrics.md feed outcomes")
                .containsExactlyInAnyOrderElementsOf(exported.get(OPERATOR)
                        .labelsOf("pinhole_ipset_feed_fetches_total").get("outcome"))
                .containsExactlyInAnyOrderElementsOf(FeedMetrics.OUTCOMES);
    }

    @Test
    void alertsSelectOnlyExportedSeries() {
        assertSelectOnlyExportedSeries("deploy/monitoring/alerts.yaml", MonitoringFiles.alertExpressions());
    }

    @Test
    void dashboardSelectsOnlyExportedSeries() {
        assertSelectOnlyExportedSeries("deploy/monitoring/grafana-dashboard.json",
                MonitoringFiles.dashboardExpressions());
    }

    private static void assertSelectOnlyExportedSeries(String file, Map<String, String> expressions) {
        Set<String> series = new TreeSet<>(PROMETHEUS_SERIES);
        exported.values().forEach(e -> series.addAll(e.sampleNames()));
        assertThat(expressions).as(file).isNotEmpty();
        expressions.forEach((where, expr) -> {
            Set<String> names = PromQlNames.in(expr);
            assertThat(names).as("%s %s selects some metric: %s", file, where, expr).isNotEmpty();
            assertThat(series).as("%s %s: %s", file, where, expr).containsAll(names);
        });
    }

    /**
     * The exported metrics of a process that are not standard families, as Prometheus names them, to the family
     * name in the scrape.
     */
    private static Map<String, String> ownFamilies(MetricsDoc doc, String process) {
        List<String> prefixes = doc.families().stream().filter(f -> f.processes().contains(process))
                .map(MetricsDoc.Family::prefix).toList();
        Map<String, String> own = new TreeMap<>();
        promNames(exported.get(process)).forEach((name, family) -> {
            if (prefixes.stream().noneMatch(name::startsWith)) {
                own.put(name, family);
            }
        });
        return own;
    }

    /** Prometheus name (counters with _total) to the family name as the scrape's # TYPE line has it. */
    private static Map<String, String> promNames(Exposition exposition) {
        Map<String, String> names = new TreeMap<>();
        exposition.families().forEach((family, type) -> names.put(
                "counter".equals(type) && !family.endsWith("_total") ? family + "_total" : family, family));
        return names;
    }
}
