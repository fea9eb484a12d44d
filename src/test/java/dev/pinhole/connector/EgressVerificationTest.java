package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.wireguard.Keys;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The egress check: a local "what is my IP" service decides whether the connector may forward and be ready. */
class EgressVerificationTest {
    @TempDir
    Path dir;
    HttpServer checkip;
    final AtomicReference<String> answer = new AtomicReference<>("203.0.113.10\n");
    final AtomicInteger status = new AtomicInteger(200);
    ConnectorMain.ConnectorProcess process;

    @BeforeEach
    void service() throws Exception {
        checkip = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        checkip.createContext("/", ex -> {
            byte[] body = answer.get().getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(status.get(), body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        checkip.start();
    }

    @AfterEach
    void stop() {
        if (process != null) {
            process.close();
        }
        checkip.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + checkip.getAddress().getPort() + "/";
    }

    @Test
    void theTrimmedBodyMustEqualTheElasticIp() {
        EgressVerifier v = new EgressVerifier(Duration.ofSeconds(5));
        assertThat(v.check(url(), "203.0.113.10").verified()).isTrue();

        answer.set("198.51.100.1");
        EgressVerifier.Result wrong = v.check(url(), "203.0.113.10");
        assertThat(wrong.verified()).isFalse();
        assertThat(wrong.observedIp()).isEqualTo("198.51.100.1");
        assertThat(wrong.error()).contains("expected 203.0.113.10");
    }

    @Test
    void anHttpErrorOrAnUnreachableServiceIsNotVerified() {
        EgressVerifier v = new EgressVerifier(Duration.ofSeconds(5));
        status.set(503);
        assertThat(v.check(url(), "203.0.113.10").error()).contains("HTTP 503");
        assertThat(v.check("http://127.0.0.1:1/", "203.0.113.10").verified()).isFalse();
    }

    private HttpResponse<String> start(boolean enforce) throws Exception {
        ConnectorConfig config = new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(), List.of("example.test"), List.of(),
                new ConnectorConfig.Egress("203.0.113.10", url(), enforce),
                new ConnectorConfig.Dns(List.of("127.0.0.1")), new ConnectorConfig.Http(0));
        Path cfg = dir.resolve("connector.json");
        Path key = dir.resolve("privateKey");
        Files.writeString(cfg, ConnectorConfigCodec.write(config));
        Files.writeString(key, Keys.toBase64(Keys.generatePrivate()));
        process = ConnectorMain.ConnectorProcess.start(new ConnectorArgs(cfg, key, 0, 0), LoadedConfig.load(cfg, key));
        process.checkEgress(); // the first check runs at start too; this one makes the test independent of timing
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + process.httpPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anEnforcedVerifiedEgressIsReadyAndForwards() throws Exception {
        assertThat(start(true).statusCode()).isEqualTo(200);
        assertThat(process.dataPlane().forwarding()).isTrue();
        assertThat(process.dataPlane().status()).containsEntry("observedEgressIP", "203.0.113.10")
                .containsEntry("egressVerified", true);
    }

    @Test
    void anEnforcedWrongEgressIsNotReadyAndForwardsNothing() throws Exception {
        answer.set("198.51.100.1");
        HttpResponse<String> ready = start(true);
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("egress").contains("198.51.100.1");
        assertThat(process.dataPlane().forwarding()).isFalse();
    }

    @Test
    void aWrongEgressThatIsNotEnforcedIsReportedButForwards() throws Exception {
        answer.set("198.51.100.1");
        assertThat(start(false).statusCode()).isEqualTo(200);
        assertThat(process.dataPlane().forwarding()).isTrue();
        assertThat(process.dataPlane().status()).containsEntry("observedEgressIP", "198.51.100.1")
                .containsEntry("egressVerified", false);
    }

    @Test
    @dev.pinhole.testing.Adversarial
    void aBodyThatIsNotAnAddressIsReportedByItsLengthNeverEchoed() {
        EgressVerifier v = new EgressVerifier(Duration.ofSeconds(5));
        String secret = "{\"AccessKeyId\":\"ASIAEXAMPLE\",\"SecretAccessKey\":\"wJalrXUtnFEMI\"}";
        answer.set(secret);
        EgressVerifier.Result r = v.check(url(), "203.0.113.10");
        assertThat(r.verified()).isFalse();
        assertThat(r.observedIp()).isNull();
        assertThat(r.error()).contains("is not an IP address").doesNotContain("ASIAEXAMPLE").doesNotContain("wJalr");

        answer.set("203.0.113.10" + " ".repeat(100_000) + "x");
        EgressVerifier.Result huge = v.check(url(), "203.0.113.10");
        assertThat(huge.observedIp()).isNull();
        assertThat(huge.error()).doesNotContain("203.0.113.10 ");
    }
}
