package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.connector.WireGuardTestClient.TcpConnection;
import dev.pinhole.connector.WireGuardTestClient.TcpOutcome;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.testing.UdpEchoServer;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.PublicKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on the real connector process (what a rollout or {@code kubectl delete pod} sends): /readyz turns 503
 * with the reason {@code stopping} at once, flows are still forwarded during the drain, then every TCP flow gets a
 * RST and the process exits 0, within the drain period plus a margin; a second SIGTERM ends the drain early.
 */
class ConnectorGracefulStopProcessTest {
    private static final byte[] LOOPBACK = {127, 0, 0, 1};

    @TempDir
    Path dir;
    Process process;
    WireGuardTestClient client;
    UdpEchoServer echo;
    ServerSocket app;
    int httpPort;
    int listenPort;
    byte[] connectorKey;
    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (echo != null) {
            echo.close();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    void sigtermTurnsReadyzToStoppingKeepsForwardingThenResetsTcpAndExitsZero() throws Exception {
        start(4);
        byte[] before = "before the stop".getBytes(StandardCharsets.US_ASCII);
        client.sendUdp(7000, LOOPBACK, echo.port(), before);
        assertThat(client.receiveUdp(7000, 15_000)).as(() -> "echo before SIGTERM; log: " + log()).isEqualTo(before);
        TcpConnection tcp = client.openTcp(LOOPBACK, app.getLocalPort());
        assertThat(tcp.awaitOutcome(10_000)).isEqualTo(TcpOutcome.ESTABLISHED);
        try (Socket accepted = app.accept()) {
            long signalled = System.nanoTime();
            process.destroy(); // SIGTERM

            HttpResponse<String> readyz = readyz();
            for (int i = 0; i < 40 && readyz.statusCode() != 503; i++) {
                Thread.sleep(50);
                readyz = readyz();
            }
            assertThat(readyz.statusCode()).as(readyz::body).isEqualTo(503);
            assertThat(readyz.body()).contains("\"stopping\"").contains("draining");

            // Still forwarding: an existing UDP flow, and the TCP connection is still up.
            byte[] during = "during the drain".getBytes(StandardCharsets.US_ASCII);
            client.sendUdp(7000, LOOPBACK, echo.port(), during);
            assertThat(client.receiveUdp(7000, 2_000)).as(() -> "echo during the drain; log: " + log())
                    .isEqualTo(during);
            tcp.write("GET".getBytes(StandardCharsets.US_ASCII));
            byte[] got = accepted.getInputStream().readNBytes(3);
            assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("GET");
            assertThat(process.isAlive()).isTrue();

            assertThat(process.waitFor(4 + 15, TimeUnit.SECONDS)).as(() -> "exited; log: " + log()).isTrue();
            double seconds = (System.nanoTime() - signalled) / 1e9;
            assertThat(process.exitValue()).as(() -> "exit code; log: " + log()).isZero();
            assertThat(seconds).as("the drain was waited for").isGreaterThanOrEqualTo(3.0);
            for (int i = 0; i < 100 && tcp.outcome() != TcpOutcome.RESET; i++) {
                Thread.sleep(20);
            }
            assertThat(tcp.outcome()).as("the client's TCP connection was reset at the end of the drain")
                    .isEqualTo(TcpOutcome.RESET);
        }
    }

    @Test
    void aSecondSigtermEndsTheDrainAtOnce() throws Exception {
        start(600);
        process.destroy();
        HttpResponse<String> readyz = readyz();
        for (int i = 0; i < 40 && readyz.statusCode() != 503; i++) {
            Thread.sleep(50);
            readyz = readyz();
        }
        assertThat(readyz.statusCode()).isEqualTo(503);
        process.destroy();
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).as(() -> "exited; log: " + log()).isTrue();
        assertThat(process.exitValue()).isZero();
    }

    private void start(int drainSeconds) throws Exception {
        echo = UdpEchoServer.start();
        app = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        client = new WireGuardTestClient("100.96.0.2");
        connectorKey = Keys.generatePrivate();
        listenPort = ConnectorMainProcessTest.freeUdpPort();
        httpPort = ConnectorMainProcessTest.freeTcpPort();
        ConnectorConfig config = new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", listenPort, 1420, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("laptop-1", client.publicKey.toBase64(), "100.96.0.2/32")),
                List.of("*.example.test"), List.of("127.0.0.1/32"),
                new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of("127.0.0.1")), new ConnectorConfig.Http(httpPort));
        Path configFile = dir.resolve("connector.json");
        Path keyFile = dir.resolve("privateKey");
        Files.writeString(configFile, ConnectorConfigCodec.write(config));
        Files.writeString(keyFile, Keys.toBase64(connectorKey) + "\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.pinhole.connector.ConnectorMain", "--config", configFile.toString(), "--key", keyFile.toString(),
                "--drain-seconds", String.valueOf(drainSeconds))
                .redirectErrorStream(true).redirectOutput(dir.resolve("connector.log").toFile()).start();
        int code = 0;
        for (int i = 0; i < 120 && code != 200; i++) {
            try {
                code = readyz().statusCode();
            } catch (java.io.IOException notYet) {
                assertThat(process.isAlive()).as(() -> "connector exited: " + log()).isTrue();
            }
            if (code != 200) {
                Thread.sleep(250);
            }
        }
        assertThat(code).as(() -> "readyz; log: " + log()).isEqualTo(200);
        client.connectTo(PublicKey.of(Keys.publicFromPrivate(connectorKey)),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort));
    }

    private HttpResponse<String> readyz() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("connector.log"));
        } catch (java.io.IOException e) {
            return "(no log)";
        }
    }
}
