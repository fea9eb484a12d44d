package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.LoadedConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The connector role loads its files, serves health/readiness/metrics/status, and reloads only valid configs. */
class ConnectorProcessTest {
    static final String KEY = "YNqHbfBQKaGvzefxe6OzUg7cN7T4EhJAqP3VNkSd4EQ=";
    static final String CLIENT_KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

    @TempDir
    Path dir;
    Path configFile;
    Path keyFile;
    ConnectorMain.ConnectorProcess process;
    final HttpClient http = HttpClient.newHttpClient();

    static ConnectorConfig config(int mtu, List<String> domains) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, mtu, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("laptop-1", CLIENT_KEY, "100.96.0.2/32")),
                domains, List.of("140.82.112.0/20"),
                new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0));
    }

    @BeforeEach
    void start() throws Exception {
        configFile = dir.resolve("connector.json");
        keyFile = dir.resolve("privateKey");
        Files.writeString(configFile, ConnectorConfigCodec.write(config(1420, List.of("github.com"))));
        Files.writeString(keyFile, KEY + "\n");
        process = ConnectorMain.ConnectorProcess.start(new ConnectorArgs(configFile, keyFile, 0, 0),
                LoadedConfig.load(configFile, keyFile));
    }

    @AfterEach
    void stop() {
        process.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + process.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void isReadyWithAValidConfig() throws Exception {
        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"config\"");
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void servesPrometheusMetrics() throws Exception {
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("role=\"connector\"");
    }

    @Test
    void reportsStatusAsJson() throws Exception {
        assertThat(get("/status").body()).contains("\"elasticIP\" : \"203.0.113.10\"").contains("\"clients\" : 1");
    }

    @Test
    void refusesAnInvalidNewConfigAndKeepsTheCurrentOne() throws Exception {
        String before = process.watcher().current().digest();
        Files.writeString(configFile, ConnectorConfigCodec.write(config(100, List.of("github.com"))));
        assertThat(process.watcher().poll()).isFalse();
        assertThat(process.watcher().current().digest()).isEqualTo(before);
        assertThat(process.watcher().lastError()).contains("tunnel.mtu").contains("\"100\"");
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
        assertThat(get("/status").body()).contains("tunnel.mtu");
    }

    @Test
    void appliesAValidChangedConfig() throws Exception {
        String before = process.watcher().current().digest();
        Files.writeString(configFile, ConnectorConfigCodec.write(config(1420, List.of("github.com", "*.github.com"))));
        assertThat(process.watcher().poll()).isTrue();
        assertThat(process.watcher().current().digest()).isNotEqualTo(before);
        assertThat(process.watcher().current().config().domains()).contains("*.github.com");
        assertThat(process.watcher().poll()).as("unchanged files are not re-applied").isFalse();
        assertThat(get("/metrics").body()).contains("pinhole_connector_config_reloads_total{outcome=\"applied\"");
    }

    @Test
    void aBadKeyFileIsRefusedNamingTheFile() throws Exception {
        Files.writeString(keyFile, "c2hvcnQ=\n");
        assertThat(process.watcher().poll()).isFalse();
        assertThat(process.watcher().lastError()).contains("--key").contains("32-byte");
    }
}
