package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.testing.Adversarial;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The egress check when the elastic IP changes under it: a result is only good for the IP and URL it was made for,
 * and a new IP is unverified (no forwarding, not ready, when enforced) until a check for it says otherwise.
 */
@Adversarial
class EgressCheckRaceTest {
    private static final String OLD_IP = "203.0.113.10";
    private static final String NEW_IP = "203.0.113.99";

    @TempDir
    Path dir;
    HttpServer checkip;
    final AtomicReference<String> answer = new AtomicReference<>(OLD_IP);
    /** While set, each request waits on it before answering: a check in flight. */
    final AtomicReference<CountDownLatch> hold = new AtomicReference<>();
    final CountDownLatch held = new CountDownLatch(1);
    ConnectorMain.ConnectorProcess process;
    Path cfg;

    @BeforeEach
    void service() throws Exception {
        checkip = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        checkip.setExecutor(Executors.newFixedThreadPool(4));
        checkip.createContext("/", ex -> {
            String body = answer.get(); // what the egress is when the request arrives
            CountDownLatch gate = hold.get();
            if (gate != null) {
                held.countDown();
                try {
                    gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, bytes.length);
            ex.getResponseBody().write(bytes);
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

    @Test
    void aCheckInFlightForTheOldElasticIpCannotReopenForwardingAfterTheIpChanged() throws Exception {
        start(OLD_IP);
        assertThat(process.dataPlane().forwarding()).isTrue();

        CountDownLatch release = new CountDownLatch(1);
        hold.set(release);
        CompletableFuture<Void> inFlight = CompletableFuture.runAsync(process::checkEgress);
        assertThat(held.await(5, TimeUnit.SECONDS)).isTrue(); // the check against OLD_IP is waiting for its answer

        writeConfig(NEW_IP);
        assertThat(process.watcher().poll()).isTrue();
        assertThat(process.dataPlane().forwarding()).as("closed at once by the new elastic IP").isFalse();
        assertThat(readyz()).as("not ready at once").isEqualTo(503);

        answer.set(NEW_IP); // the egress moved too, but the answer in flight was taken before
        release.countDown();
        inFlight.get(10, TimeUnit.SECONDS);
        assertThat(process.dataPlane().forwarding()).as("a result for " + OLD_IP + " says nothing about " + NEW_IP)
                .isFalse();
        assertThat(readyz()).isEqualTo(503);
    }

    @Test
    void anElasticIpChangeIsCheckedAtOnceNotAtTheNextPeriodicCheck() throws Exception {
        start(OLD_IP);
        answer.set(NEW_IP);
        writeConfig(NEW_IP);
        assertThat(process.watcher().poll()).isTrue();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); // the periodic re-check is 60 s away
        while (!process.dataPlane().forwarding() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(process.dataPlane().forwarding()).isTrue();
        assertThat(process.dataPlane().status()).containsEntry("observedEgressIP", NEW_IP);
        assertThat(readyz()).isEqualTo(200);
    }

    @Test
    void anUnreachableVerifyUrlIsNamedWithoutItsSecretsAndWithTheCause() {
        EgressVerifier.Result r = new EgressVerifier(Duration.ofSeconds(2))
                .check(new EgressVerifier.Target(OLD_IP, "http://user:s3cret@127.0.0.1:1/ip?token=t0k"));
        assertThat(r.verified()).isFalse();
        assertThat(r.error()).contains("http://127.0.0.1:1/ip").containsIgnoringCase("could not connect")
                .doesNotContain("null").doesNotContain("s3cret").doesNotContain("t0k");
    }

    private void start(String elasticIp) throws Exception {
        cfg = dir.resolve("connector.json");
        Path key = dir.resolve("privateKey");
        writeConfig(elasticIp);
        Files.writeString(key, Keys.toBase64(Keys.generatePrivate()));
        process = ConnectorMain.ConnectorProcess.start(new ConnectorArgs(cfg, key, 0, 0), LoadedConfig.load(cfg, key));
        process.checkEgress();
    }

    private void writeConfig(String elasticIp) throws Exception {
        ConnectorConfig config = new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(), List.of("example.test"), List.of(),
                new ConnectorConfig.Egress(elasticIp,
                        "http://127.0.0.1:" + checkip.getAddress().getPort() + "/", true),
                new ConnectorConfig.Dns(List.of("127.0.0.1")), new ConnectorConfig.Http(0));
        Files.writeString(cfg, ConnectorConfigCodec.write(config));
    }

    private int readyz() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + process.httpPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
