package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.testing.Adversarial;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connector whose worker died forwards nothing, so it must not answer /readyz with 200: a relay thread, a
 * WireGuard receive thread or a timer task killed by an Error (an OutOfMemoryError without
 * ExitOnOutOfMemoryError, a StackOverflowError) takes readiness down and names the worker.
 */
@Adversarial
class DeadWorkerReadinessTest {
    @TempDir
    Path dir;
    ConnectorMain.ConnectorProcess process;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        Path configFile = dir.resolve("connector.json");
        Path keyFile = dir.resolve("privateKey");
        Files.writeString(configFile, ConnectorConfigCodec.write(ConnectorProcessTest.config(1420,
                List.of("github.com"))));
        Files.writeString(keyFile, ConnectorProcessTest.KEY + "\n");
        process = ConnectorMain.ConnectorProcess.start(new ConnectorArgs(configFile, keyFile, 0, 0),
                LoadedConfig.load(configFile, keyFile));
    }

    @AfterEach
    void stop() {
        process.close();
    }

    private HttpResponse<String> readyz() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + process.httpPort() + "/readyz"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> readyzOnceSettled(int expected) throws Exception {
        HttpResponse<String> r = readyz();
        for (int i = 0; i < 50 && r.statusCode() != expected; i++) {
            Thread.sleep(100);
            r = readyz();
        }
        return r;
    }

    @Test
    void aRelayThreadKilledByAnErrorTakesReadinessDown() throws Exception {
        assertThat(readyz().statusCode()).isEqualTo(200);

        process.dataPlane().relayLoop().execute(() -> {
            throw new OutOfMemoryError("test: the relay thread ran out of heap");
        });

        HttpResponse<String> r = readyzOnceSettled(503);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("pinhole-relay").contains("OutOfMemoryError");
    }

    @Test
    void aWireGuardReceiveThreadKilledByAnErrorTakesReadinessDown() throws Exception {
        process.dataPlane().receiveThreadHook(() -> {
            throw new StackOverflowError("test: the receive thread overflowed its stack");
        });

        HttpResponse<String> r = readyzOnceSettled(503);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("wireguard-rx").contains("StackOverflowError");
    }

    @Test
    void aTimerTaskKilledByAnErrorTakesReadinessDown() throws Exception {
        process.timers().execute(() -> {
            throw new OutOfMemoryError("test: a timer task ran out of heap");
        });

        HttpResponse<String> r = readyzOnceSettled(503);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("connector-timers").contains("OutOfMemoryError");
    }

    @Test
    void aPeriodicTimerTaskThatThrowsOnceKeepsItsSchedule() throws Exception {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        process.timers().scheduleWithFixedDelay(() -> {
            if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("test: a bug in one run of a periodic task (a config reload)");
            }
        }, 0, 10, TimeUnit.MILLISECONDS);

        for (int i = 0; i < 100 && runs.get() < 3; i++) {
            Thread.sleep(20);
        }
        assertThat(runs.get()).as("runs of the periodic task after it threw once").isGreaterThanOrEqualTo(3);
        assertThat(readyz().statusCode()).isEqualTo(200);
    }
}
