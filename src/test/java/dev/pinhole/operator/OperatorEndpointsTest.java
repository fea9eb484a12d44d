package dev.pinhole.operator;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The operator serves health on /q/health and reconcile metrics per kind on /q/metrics. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OperatorEndpointsTest {
    @Inject
    KubernetesClient client;

    @Test
    void healthIsUp() {
        given().get("/q/health/live").then().statusCode(200).body(containsString("UP"));
    }

    @Test
    void reconcilesAreCountedAndTimedPerKind() {
        client.resource(TestObjects.ipSet("metrics", "counted", List.of("192.0.2.1"))).create();
        client.resource(TestObjects.connector("metrics", "counted")).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/metrics").then()
                .statusCode(200)
                .body(containsString("pinhole_reconcile_seconds_count{kind=\"IPSet\",outcome=\"success\"}"))
                .body(containsString("pinhole_reconcile_seconds_count{kind=\"AppConnector\",outcome=\"success\"}"))
                .body(containsString("pinhole_child_writes_total{child=\"Deployment\",kind=\"AppConnector\"}")));
    }
}
