package dev.pinhole.connector;

import dev.pinhole.testing.UdpEchoServer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.PublicKey;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
 * The connector started as its own JVM, the way the root-tier end-to-end test and the container start it
 * ({@code java -cp ... dev.pinhole.connector.ConnectorMain --config F --key K}): it binds the WireGuard port and
 * the HTTP port from the config, becomes ready, and relays a client's UDP through the tunnel.
 */
class ConnectorMainProcessTest {
    @TempDir
    Path dir;
    Process process;
    WireGuardTestClient client;
    UdpEchoServer echo;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (echo != null) {
            echo.close();
        }
    }

    static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    static int freeTcpPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void theConnectorProcessBindsItsPortsBecomesReadyAndRelaysUdp() throws Exception {
        echo = UdpEchoServer.start();
        client = new WireGuardTestClient("100.96.0.2");
        byte[] connectorKey = Keys.generatePrivate();
        int listenPort = freeUdpPort();
        int httpPort = freeTcpPort();
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
                "dev.pinhole.connector.ConnectorMain", "--config", configFile.toString(), "--key", keyFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("connector.log").toFile()).start();

        HttpClient http = HttpClient.newHttpClient();
        int code = 0;
        for (int i = 0; i < 120 && code != 200; i++) {
            try {
                code = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
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
        byte[] ping = "through the process".getBytes(StandardCharsets.US_ASCII);
        client.sendUdp(7000, new byte[] {127, 0, 0, 1}, echo.port(), ping);
        assertThat(client.receiveUdp(7000, 15_000)).as(() -> "echo reply; log: " + log()).isEqualTo(ping);

        String status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/status"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(status).contains("\"activeFlows\" : 1").contains("\"laptop-1\"");
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("connector.log"));
        } catch (java.io.IOException e) {
            return "(no log)";
        }
    }
}
