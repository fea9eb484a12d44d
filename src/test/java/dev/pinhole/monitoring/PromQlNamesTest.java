package dev.pinhole.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The metric-name finder sees through functions, matchers, ranges, grouping and Grafana variables. */
class PromQlNamesTest {

    @Test
    void findsTheSelectedMetricsAndNothingElse() {
        assertThat(PromQlNames.in("sum by (namespace, pod) (rate(pinhole_connector_drops_total{reason=~\"a|b\"}[5m]))"
                + " / sum by (namespace, pod) (rate(pinhole_connector_packets_total{direction=\"in\"}[5m])) > 0.05"))
                .containsExactly("pinhole_connector_drops_total", "pinhole_connector_packets_total");
    }

    @Test
    void ignoresGrafanaVariablesKeywordsAndNumbers() {
        assertThat(PromQlNames.in("histogram_quantile(0.99, sum by (le) (rate(x_bucket{ns=~\"$namespace\"}"
                + "[$__rate_interval]))) > 1e3 and on (pod) up{job=\"j\"} == 1 unless y offset 5m"))
                .containsExactly("up", "x_bucket", "y");
    }

    @Test
    void aLabelNamedLikeAMetricInsideMatchersIsNotAName() {
        assertThat(PromQlNames.in("absent(up{job=\"pinhole-operator\", pinhole_fake=\"1\"} == 1)"))
                .containsExactly("up");
    }
}
