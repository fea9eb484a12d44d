package dev.pinhole.operator.appconnector;

import static dev.pinhole.operator.ConditionTypes.CONFIG_APPLIED;
import static dev.pinhole.operator.ConditionTypes.DEGRADED;
import static dev.pinhole.operator.ConditionTypes.PROGRESSING;
import static dev.pinhole.operator.ConditionTypes.READY;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorStatus;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.operator.ConditionTypes.Reason;
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

/**
 * ConfigApplied: whether the pods run the config the operator rendered, decided from /status bodies as the connector
 * writes them (ConnectorMain#status, docs/connector-config.md#peer-shards) read over HTTP, then aggregated.
 */
class ConfigAppliedTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-02-01T00:00:00Z"), ZoneOffset.UTC);
    private static final RolloutState ALL_READY = new RolloutState(2, 2, 2, true, true, false);
    /** What the operator just rendered, and the digest the connector computes of it (main text and key). */
    private static final String RENDERED = LoadedConfig.digestOf("{\"version\":2}", "a2V5");
    private static final String OLD = LoadedConfig.digestOf("{\"version\":1}", "a2V5");

    private HttpServer server;
    private volatile String body;

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

    /** A /status body as ConnectorMain writes it; {@code config} is the configDigest/configError/configWaiting part. */
    private static String status(String config) {
        return "{\"name\":\"saas\",\"namespace\":\"default\"," + config + ",\"clients\":5000,"
                + "\"elasticIP\":\"203.0.113.10\",\"observedEgressIP\":\"203.0.113.10\",\"egressVerified\":true,"
                + "\"activeFlows\":3,\"mappedNames\":1}";
    }

    private static String inForce(String digest) {
        return "\"configDigest\":\"" + digest + "\",\"configError\":null,\"configWaiting\":null";
    }

    /** Reads {@code pod}'s /status (the current body) from the test server. */
    private ConnectorReports.Round read(String pod) {
        Pod p = new PodBuilder().withNewMetadata().withName(pod).endMetadata()
                .withNewStatus().withPodIP("127.0.0.1").endStatus().build();
        return new ConnectorReports(Duration.ofSeconds(2)).collect(List.of(p), server.getAddress().getPort());
    }

    private static AppConnector connector(AppConnectorStatus previous) {
        AppConnector c = TestConnectors.valid();
        c.getMetadata().setGeneration(2L);
        c.setStatus(previous);
        return c;
    }

    private static AppConnectorStatus decide(AppConnector c, ConnectorReports.Round round) {
        return new AppConnectorStatusAggregator(c, CLOCK).publicKey("k").rollout(ALL_READY).renderedConfig(RENDERED)
                .reports(round).build();
    }

    private static Condition condition(AppConnectorStatus status, String type) {
        return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }

    @Test
    void aPodRunningTheRenderedConfigMakesConfigAppliedTrue() {
        body = status(inForce(RENDERED));

        AppConnectorStatus status = decide(connector(null), read("saas-1"));

        assertThat(condition(status, CONFIG_APPLIED).getStatus()).isEqualTo("True");
        assertThat(condition(status, CONFIG_APPLIED).getReason()).isEqualTo(Reason.CONFIG_IN_FORCE);
        assertThat(condition(status, PROGRESSING).getStatus()).isEqualTo("False");
        assertThat(condition(status, READY).getMessage()).doesNotContain("not in force");
    }

    /** Hostile (careless): the main config arrived, a shard did not; Ready=True alone would say it is in force. */
    @Test
    void aPodWaitingForAShardSaysWhichAndReadyDoesNotClaimTheNewConfig() {
        body = status("\"configDigest\":\"" + OLD + "\",\"configError\":\"peerShards[1]: \\\"peers-1.json\\\": missing:"
                + " waiting for it\",\"configWaiting\":{\"digest\":\"" + RENDERED + "\",\"shards\":[{\"shard\":"
                + "\"peers-1.json\",\"field\":\"peerShards[1]\",\"reason\":\"missing: waiting for it\"}]}");

        AppConnectorStatus status = decide(connector(null), read("saas-1"));

        Condition applied = condition(status, CONFIG_APPLIED);
        assertThat(applied.getStatus()).isEqualTo("False");
        assertThat(applied.getReason()).isEqualTo(Reason.CONFIG_WAITING);
        assertThat(applied.getMessage()).contains("saas-1", "peers-1.json", RENDERED, OLD);
        assertThat(condition(status, READY).getStatus()).isEqualTo("True");  // the pods still carry traffic
        assertThat(condition(status, READY).getMessage()).contains("not in force");
        assertThat(condition(status, PROGRESSING).getStatus()).isEqualTo("True");
        assertThat(condition(status, PROGRESSING).getReason()).isEqualTo(Reason.CONFIG_WAITING);
        assertThat(condition(status, DEGRADED).getStatus()).isEqualTo("False");
    }

    /** A pod on another config and not waiting for this one: its volume has not (or will not) refresh. */
    @Test
    void aPodOnAnotherConfigIsStaleWithBothDigests() {
        body = status(inForce(OLD));

        AppConnectorStatus status = decide(connector(null), read("saas-1"));

        Condition applied = condition(status, CONFIG_APPLIED);
        assertThat(applied.getReason()).isEqualTo(Reason.CONFIG_STALE);
        assertThat(applied.getMessage()).contains("saas-1", "runs " + OLD, "rendered config " + RENDERED);
        assertThat(condition(status, PROGRESSING).getReason()).isEqualTo(Reason.CONFIG_STALE);
    }

    @Test
    void aPodThatRefusedItsFilesIsDegraded() {
        body = status("\"configDigest\":\"" + OLD + "\",\"configError\":\"dns.upstream: cannot open a socket\","
                + "\"configWaiting\":null");

        AppConnectorStatus status = decide(connector(null), read("saas-1"));

        assertThat(condition(status, CONFIG_APPLIED).getReason()).isEqualTo(Reason.CONFIG_REFUSED);
        assertThat(condition(status, DEGRADED).getStatus()).isEqualTo("True");
        assertThat(condition(status, DEGRADED).getReason()).isEqualTo(Reason.CONFIG_REFUSED);
    }

    /** Hostile: a pod's /status text goes into a message anyone who reads the AppConnector sees; only digests do. */
    @dev.pinhole.testing.Adversarial
    @Test
    void nothingButDigestsAndShardFileNamesOfAPodsAnswerReachesTheStatus() {
        body = status("\"configDigest\":\"AWS_SECRET=wJalrXUtnFEMI\",\"configError\":\"token=s3cr3t\","
                + "\"configWaiting\":{\"digest\":\"" + RENDERED + "\",\"shards\":[{\"shard\":\"<img src=x>\"},"
                + "{\"shard\":\"" + "p".repeat(5000) + "\"}]}");

        AppConnectorStatus status = decide(connector(null), read("saas-1"));

        assertThat(status.getConditions()).allSatisfy(c -> assertThat(c.getMessage())
                .doesNotContain("wJalrXUtnFEMI", "s3cr3t", "<img", "ppppppppp"));
        assertThat(condition(status, CONFIG_APPLIED).getStatus()).isEqualTo("Unknown");
    }

    @Test
    void aConnectorThatDoesNotReportItsDigestIsUnknownNotApplied() {
        body = "{\"observedEgressIP\":\"203.0.113.10\",\"egressVerified\":true,\"activeFlows\":0,\"mappedNames\":0}";

        AppConnectorStatus status = decide(connector(null), read("saas-1"));

        assertThat(condition(status, CONFIG_APPLIED).getStatus()).isEqualTo("Unknown");
        assertThat(condition(status, PROGRESSING).getStatus()).isEqualTo("False");
    }

    @Test
    void withoutReportsConfigAppliedIsAwaitingTheDataPlane() {
        AppConnectorStatus status = decide(connector(null), ConnectorReports.Round.EMPTY);

        assertThat(condition(status, CONFIG_APPLIED).getStatus()).isEqualTo("Unknown");
        assertThat(condition(status, CONFIG_APPLIED).getReason()).isEqualTo(Reason.AWAITING_DATA_PLANE);
    }

    /** A spec that cannot be rendered keeps the last good config, and so what was said about it. */
    @Test
    void aRefusedSpecKeepsTheLastConfigAppliedDecision() {
        body = status(inForce(RENDERED));
        AppConnectorStatus applied = decide(connector(null), read("saas-1"));

        AppConnectorStatus refused = new AppConnectorStatusAggregator(connector(applied), CLOCK)
                .refused(Reason.INVALID_SPEC, "spec.domains[0]: bad").build();

        assertThat(condition(refused, CONFIG_APPLIED).getStatus()).isEqualTo("True");
        assertThat(condition(refused, CONFIG_APPLIED).getMessage()).contains(RENDERED);
    }

    @Test
    void aPodWaitingForEveryShardNamesAFewAndCountsTheRest() {
        StringBuilder shards = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            shards.append(i == 0 ? "" : ",").append("{\"shard\":\"peers-").append(i).append(".json\"}");
        }
        body = status("\"configDigest\":\"" + OLD + "\",\"configError\":\"waiting\",\"configWaiting\":{\"digest\":\""
                + RENDERED + "\",\"shards\":[" + shards + "]}");

        String message = condition(decide(connector(null), read("saas-1")), CONFIG_APPLIED).getMessage();

        assertThat(message).contains("peers-0.json, peers-1.json, peers-2.json, peers-3.json and 12 more")
                .doesNotContain("peers-4.json");
    }
}
