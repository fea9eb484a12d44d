package dev.pinhole.connector;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.dns.resolver.DnsDropReason;
import dev.pinhole.dns.resolver.RefusalReason;
import dev.pinhole.nat.NatDropReason;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Every series the connector process can export, in Prometheus text: a real connector process scraped on /metrics
 * (the meters it registers at start), plus the connector's metric classes driven through every event and reason
 * (the meters created on first use: drops per reason, DNS refusals, config reloads).
 */
public final class ConnectorSeries {
    private static final String KEY = "YNqHbfBQKaGvzefxe6OzUg7cN7T4EhJAqP3VNkSd4EQ=";
    private static final String CLIENT_KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";

    private ConnectorSeries() {
    }

    /** Scrapes of a started connector and of its metric classes after every event; {@code dir} holds its files. */
    public static List<String> scrapes(Path dir) throws Exception {
        return List.of(scrapeRunningConnector(dir), scrapeAfterEveryEvent());
    }

    private static String scrapeRunningConnector(Path dir) throws Exception {
        ConnectorConfig config = new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("laptop-1", CLIENT_KEY, "100.96.0.2/32")),
                List.of("github.com"), List.of("140.82.112.0/20"),
                new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0));
        Path configFile = dir.resolve("connector.json");
        Path keyFile = dir.resolve("privateKey");
        Files.writeString(configFile, ConnectorConfigCodec.write(config));
        Files.writeString(keyFile, KEY + "\n");
        try (ConnectorMain.ConnectorProcess process = ConnectorMain.ConnectorProcess.start(
                new ConnectorArgs(configFile, keyFile, 0, 0), LoadedConfig.load(configFile, keyFile))) {
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + process.httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (metrics.statusCode() != 200) {
                throw new IOException("connector /metrics answered " + metrics.statusCode());
            }
            return metrics.body();
        }
    }

    private static String scrapeAfterEveryEvent() {
        ConnectorMetrics metrics = new ConnectorMetrics();
        DataPlaneMetrics dataPlane = new DataPlaneMetrics(metrics.registry());
        for (PolicyDropReason reason : PolicyDropReason.values()) {
            dataPlane.drop(reason);
        }
        for (NatDropReason reason : NatDropReason.values()) {
            dataPlane.drop(reason);
        }
        for (DnsDropReason reason : DnsDropReason.values()) {
            dataPlane.dropped(reason);
        }
        for (RefusalReason reason : RefusalReason.values()) {
            dataPlane.refused(reason);
        }
        dataPlane.poolExhausted();
        dataPlane.nameCollision();
        metrics.configReload("applied");
        metrics.configReload("invalid");
        metrics.configReload("refused");
        return metrics.scrape();
    }
}
