package dev.pinhole.monitoring;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;

import dev.pinhole.api.IPSet;
import dev.pinhole.operator.ReconcileMetrics;
import dev.pinhole.operator.TestObjects;
import dev.pinhole.operator.ipset.FeedMetrics;
import dev.pinhole.operator.ipset.SetKey;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every series the operator can export, in Prometheus text: the running operator (in a {@code @QuarkusTest}) reconciles
 * an IPSet and an AppConnector, then the paths a healthy reconcile never takes (a failed reconcile, a retry) are
 * driven through the operator's own metric beans, and /q/metrics is scraped.
 */
final class OperatorSeries {
    /** JOSDK's metadata key for the controller name (io.javaoperatorsdk.operator.api.monitoring.Metrics). */
    private static final String CONTROLLER_NAME = "controller.name";

    private OperatorSeries() {
    }

    static String scrape(KubernetesClient client, ReconcileMetrics reconciles, Operator operator,
            FeedMetrics feeds) {
        String namespace = "exported-metrics";
        client.resource(TestObjects.ipSet(namespace, "series", List.of("192.0.2.1"))).createOr(r -> r.update());
        client.resource(TestObjects.connector(namespace, "series")).createOr(r -> r.update());
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/q/metrics").then().statusCode(200)
                .body(allOf(containsString("pinhole_reconcile_seconds_count{kind=\"AppConnector\""),
                        containsString("pinhole_reconcile_seconds_count{kind=\"IPSet\""),
                        containsString("pinhole_status_writes_total"),
                        containsString("pinhole_child_writes_total"))));

        try {
            reconciles.time("IPSet", () -> {
                throw new IllegalStateException("exported-metrics check: a failed reconcile");
            });
        } catch (Exception expected) {
            // the failure outcome is what this call is for
        }
        // A source's age gauge exists while a set follows a feed; the in-JVM tests fetch none, so one is tracked here.
        feeds.track(new SetKey(namespace, "series", "uid-series"), "aws/S3", () -> Optional.of(Instant.EPOCH));
        IPSet resource = TestObjects.ipSet(namespace, "series", List.of("192.0.2.1"));
        Map<String, Object> metadata = Map.of(CONTROLLER_NAME, "ipset");
        RetryInfo secondAttempt = new RetryInfo() {
            @Override
            public int getAttemptCount() {
                return 1;
            }

            @Override
            public boolean isLastAttempt() {
                return false;
            }
        };
        Metrics josdk = operator.getConfigurationService().getMetrics();
        josdk.reconciliationSubmitted(resource, secondAttempt, metadata);
        josdk.reconciliationFailed(resource, secondAttempt, new IllegalStateException("exported-metrics check"),
                metadata);
        josdk.reconciliationFinished(resource, secondAttempt, metadata);
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }
}
