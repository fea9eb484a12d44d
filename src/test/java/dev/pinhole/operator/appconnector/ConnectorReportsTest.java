package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pinhole.api.AppConnectorStatus;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operator reads connector pods' /status over HTTP and turns it into EgressVerified, flows and names. */
class ConnectorReportsTest {
    HttpServer server;
    volatile String body;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        server.createContext("/status", ex -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static Pod pod(String ip) {
        return new PodBuilder().withNewMetadata().withName("p-" + ip).endMetadata()
                .withNewStatus().withPodIP(ip).endStatus().build();
    }

    /** The status the aggregator decides for a connector whose rollout is done and whose pods reported this. */
    private static AppConnectorStatus decide(dev.pinhole.api.AppConnector connector,
                                             List<ConnectorReports.Report> reports) {
        return new AppConnectorStatusAggregator(connector,
                Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC))
                .publicKey("k").rollout(new RolloutState(2, 2, 2, true, true, false))
                .reports(new ConnectorReports.Round(reports, List.of())).build();
    }

    private static Condition egress(AppConnectorStatus set) {
        return set.getConditions().stream().filter(c -> "EgressVerified".equals(c.getType())).findFirst().orElseThrow();
    }

    @Test
    void readsAReportFromARealHttpEndpoint() {
        body = "{\"observedEgressIP\":\"203.0.113.10\",\"egressVerified\":true,\"activeFlows\":7,\"mappedNames\":3}";
        var reports = new ConnectorReports(Duration.ofSeconds(2))
                .collect(List.of(pod("127.0.0.1")), server.getAddress().getPort()).reports();
        assertThat(reports).containsExactly(
                new ConnectorReports.Report("p-127.0.0.1", "203.0.113.10", true, 7, 3));
    }

    @Test
    @dev.pinhole.testing.Adversarial
    void anObservedEgressThatIsNotAnAddressNeverReachesTheStatus() {
        body = "{\"observedEgressIP\":\"{\\\"SecretAccessKey\\\":\\\"wJalrXUtnFEMI\\\"}\","
                + "\"egressVerified\":false,\"activeFlows\":0,\"mappedNames\":0}";
        var reports = new ConnectorReports(Duration.ofSeconds(2))
                .collect(List.of(pod("127.0.0.1")), server.getAddress().getPort()).reports();
        assertThat(reports).containsExactly(new ConnectorReports.Report("p-127.0.0.1", null, false, 0, 0));
    }

    @Test
    void aMalformedReportIsIgnored() {
        body = "not json";
        assertThat(new ConnectorReports(Duration.ofSeconds(2))
                .collect(List.of(pod("127.0.0.1")), server.getAddress().getPort()).reports()).isEmpty();
    }

    @Test
    void matchingVerifiedReportsMakeEgressVerified() {
        AppConnectorStatus status = decide(withVerify(), List.of(
                new ConnectorReports.Report("a", "203.0.113.10", true, 2, 1),
                new ConnectorReports.Report("b", "203.0.113.10", true, 3, 1)));
        assertThat(egress(status).getStatus()).isEqualTo("True");
        assertThat(status.getActiveFlows()).isEqualTo(5);
        assertThat(status.getMappedNames()).isEqualTo(2);
        assertThat(status.getEgressIPs()).containsExactly("203.0.113.10");
    }

    @Test
    void aPodEgressingElsewhereIsAMismatch() {
        AppConnectorStatus status = decide(withVerify(), List.of(
                new ConnectorReports.Report("a", "203.0.113.10", true, 0, 0),
                new ConnectorReports.Report("b", "198.51.100.99", false, 0, 0)));
        assertThat(egress(status).getStatus()).isEqualTo("False");
        assertThat(egress(status).getMessage()).contains("198.51.100.99").contains("expected 203.0.113.10");
        assertThat(status.getEgressIPs()).containsExactly("198.51.100.99", "203.0.113.10");
    }

    @Test
    void withoutReportsEgressIsUnknownAndTheDeclaredIpIsShown() {
        AppConnectorStatus status = decide(withVerify(), List.of());
        assertThat(egress(status).getStatus()).isEqualTo("Unknown");
        assertThat(egress(status).getReason()).isEqualTo("AwaitingDataPlane");
        assertThat(status.getEgressIPs()).containsExactly("203.0.113.10");
    }

    private static dev.pinhole.api.AppConnector withVerify() {
        var connector = TestObjects.connector("ns", "c");
        var verify = new dev.pinhole.api.AppConnectorSpec.Verify();
        verify.setUrl("http://checkip.example/");
        connector.getSpec().getEgress().setVerify(verify);
        return connector;
    }

    @dev.pinhole.testing.Adversarial
    @Test
    void aConnectorWithFiveThousandClientsIsStillRead() throws Exception {
        // A real connector listener whose /status carries 5,000 clients' figures (~1.7 MB, over the cap): the
        // operator asks for the status without them and reads the egress from it.
        java.util.Map<String, Object> clients = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 5_000; i++) {
            clients.put("laptop-" + i, java.util.Map.of("address", "100.96.0.0", "endpoint", "198.51.100.7:51820",
                    "handshakes", 3, "lastHandshakeSecondsAgo", 42, "rxBytes", 123456789, "txBytes", 987654321,
                    "packetsIn", 12345, "drops", 0, "flowsOpened", 17, "activeFlows", 2));
        }
        java.util.Map<String, Object> status = new java.util.LinkedHashMap<>();
        status.put("observedEgressIP", "203.0.113.10");
        status.put("egressVerified", true);
        status.put("activeFlows", 7);
        status.put("mappedNames", 3);
        status.put("clientStats", clients);
        try (var connector = new dev.pinhole.connector.HttpEndpoints(new InetSocketAddress("127.0.0.1", 0),
                new dev.pinhole.connector.Readiness(), new dev.pinhole.connector.ConnectorMetrics(), () -> status)) {
            ConnectorReports.Round round = new ConnectorReports(java.time.Duration.ofSeconds(5))
                    .collect(List.of(pod("127.0.0.1")), connector.port());

            assertThat(round.refused()).isEmpty();
            assertThat(round.reports()).singleElement().satisfies(r -> {
                assertThat(r.observedEgressIP()).isEqualTo("203.0.113.10");
                assertThat(r.activeFlows()).isEqualTo(7);
            });
        }
    }
}
