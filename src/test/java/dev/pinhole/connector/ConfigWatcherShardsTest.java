package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.connector.config.PeerShardFiles;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.wireguard.Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new main config whose shards have not all arrived is never applied in part: the config in force stays, the
 * watcher says which shard it waits for at every poll (a mismatch that never resolves says so for good), and the
 * whole config is applied at the first poll that finds every shard as named.
 */
@Adversarial
class ConfigWatcherShardsTest {
    @TempDir
    Path dir;
    Path configFile;
    Path keyFile;
    final List<LoadedConfig> applied = new ArrayList<>();
    final ConnectorMetrics metrics = new ConnectorMetrics();
    ConfigWatcher watcher;
    int nextHost = 2;

    @BeforeEach
    void start() throws Exception {
        configFile = dir.resolve("connector.json");
        keyFile = dir.resolve("privateKey");
        Files.writeString(keyFile, Keys.toBase64(Keys.generatePrivate()) + "\n");
        String shard = shard(2);
        Files.writeString(dir.resolve("peers-0.json"), shard);
        Files.writeString(configFile, ConnectorConfigCodec.write(main(List.of(ref("peers-0.json", shard)))));
        watcher = new ConfigWatcher(configFile, keyFile, LoadedConfig.load(configFile, keyFile), applied::add,
                metrics);
    }

    private String shard(int n) {
        List<ConnectorConfig.Client> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int host = nextHost++;
            clients.add(new ConnectorConfig.Client("c-" + host, Keys.toBase64(Keys.publicFromPrivate(
                    Keys.generatePrivate())), "100.96." + (host >> 8) + "." + (host & 0xff) + "/32"));
        }
        return ConnectorConfigCodec.writeShard(new ConnectorConfig.PeerShardFile(PeerShardFiles.FORMAT, clients));
    }

    private static ConnectorConfig.PeerShard ref(String file, String text) {
        return new ConnectorConfig.PeerShard(file, PeerShardFiles.sha256(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static ConnectorConfig main(List<ConnectorConfig.PeerShard> shards) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "saas", "apps",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/16", 51820, 1420, "100.80.0.0/12"), List.of(),
                List.of("example.com"), List.of(), new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0)).withPeerShards(shards);
    }

    private double reloads(String outcome) {
        var counter = metrics.registry().find("pinhole.connector.config.reloads").tag("outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aShardThatNeverMatchesKeepsTheConfigInForceAndSaysWhichShard() throws Exception {
        String before = watcher.current().digest();
        String newer = shard(3);
        Files.writeString(dir.resolve("peers-1.json"), shard(1)); // not the one the main config will name
        Files.writeString(configFile, ConnectorConfigCodec.write(main(List.of(
                ref("peers-0.json", Files.readString(dir.resolve("peers-0.json"))), ref("peers-1.json", newer)))));

        for (int i = 0; i < 5; i++) {
            assertThat(watcher.poll()).isFalse();
        }

        assertThat(applied).isEmpty();
        assertThat(watcher.current().digest()).isEqualTo(before);
        assertThat(watcher.current().config().clients()).hasSize(2);
        assertThat(watcher.waiting()).isNotNull();
        assertThat(watcher.waiting().digest()).isNotEqualTo(before);
        assertThat(watcher.waiting().shards()).singleElement()
                .satisfies(p -> assertThat(p.value()).isEqualTo("peers-1.json"));
        assertThat(watcher.lastError()).contains("peers-1.json");
        assertThat(reloads("waiting")).isEqualTo(1.0);
        assertThat(reloads("invalid")).isZero();

        Files.writeString(dir.resolve("peers-1.json"), newer);
        assertThat(watcher.poll()).isTrue();

        assertThat(applied).singleElement().satisfies(l -> assertThat(l.config().clients()).hasSize(5));
        assertThat(watcher.waiting()).isNull();
        assertThat(watcher.lastError()).isNull();
    }

    @Test
    void aShardRefreshedBeforeItsMainConfigChangesNothingInForce() throws Exception {
        String before = watcher.current().digest();
        Files.writeString(dir.resolve("peers-0.json"), shard(4)); // the kubelet refreshed the shard first

        assertThat(watcher.poll()).isFalse();

        assertThat(applied).isEmpty();
        assertThat(watcher.current().digest()).isEqualTo(before);
        assertThat(watcher.waiting()).isNull();
    }
}
