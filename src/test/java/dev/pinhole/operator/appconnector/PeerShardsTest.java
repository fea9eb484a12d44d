package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.api.AppConnector;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.connector.config.PeerShardFiles;
import dev.pinhole.testing.Adversarial;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator splits clients that do not fit one ConfigMap into shards the connector loads back whole; a config
 * that fits is written as before.
 */
class PeerShardsTest {
    private final AppConnector c = TestConnectors.valid();

    @TempDir
    Path dir;

    private static ConnectorConfig config(int clients) {
        Random random = new Random(5);
        List<ConnectorConfig.Client> list = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            int host = i + 2;
            list.add(new ConnectorConfig.Client("laptop-" + i, Base64.getEncoder().encodeToString(key),
                    "100.96." + (host >> 8) + "." + (host & 0xff) + "/32", List.of("sales", "engineering")));
        }
        return new ConnectorConfig(ConnectorConfig.FORMAT, "saas", "apps",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/16", 51820, 1420, "100.80.0.0/12"), list,
                List.of("example.com"), List.of(), new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(9090));
    }

    @Test
    void aConfigThatFitsIsWrittenWholeAsBefore() {
        ConnectorConfig small = config(256);

        PeerShards.Split split = PeerShards.split(c, small, 0);

        assertThat(split.shards()).isEmpty();
        assertThat(ConnectorConfigCodec.write(split.main())).isEqualTo(ConnectorConfigCodec.write(small));
    }

    @Test
    void fiveThousandClientsGoIntoShardsTheConnectorLoadsBackWhole() throws Exception {
        ConnectorConfig big = config(5_000);

        PeerShards.Split split = PeerShards.split(c, big, 0);

        assertThat(split.main().clients()).isEmpty();
        assertThat(split.shards()).hasSizeGreaterThan(1);
        for (int i = 0; i < split.shards().size(); i++) {
            ConfigMap map = split.shards().get(i);
            assertThat(map.getMetadata().getName()).isEqualTo(TestConnectors.NAME + "-peers-" + i);
            String text = map.getData().get("peers-" + i + ".json");
            assertThat(text.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(PeerShardFiles.MAX_SHARD_BYTES);
            assertThat(split.main().peerShards().get(i).digest())
                    .isEqualTo(PeerShardFiles.sha256(text.getBytes(StandardCharsets.UTF_8)));
            Files.writeString(dir.resolve("peers-" + i + ".json"), text);
        }
        Files.writeString(dir.resolve("connector.json"), ConnectorConfigCodec.write(split.main()));
        Files.writeString(dir.resolve("privateKey"), Base64.getEncoder().encodeToString(new byte[32]));

        LoadedConfig loaded = LoadedConfig.load(dir.resolve("connector.json"), dir.resolve("privateKey"));

        assertThat(loaded.config().clients()).isEqualTo(big.clients());
    }

    @Test
    void theSameClientsRenderTheSameShards() {
        assertThat(PeerShards.split(c, config(5_000), 0)).isEqualTo(PeerShards.split(c, config(5_000), 0));
    }

    @Test
    void shardsNoLongerNeededAreWrittenEmptyAndNotNamed() {
        PeerShards.Split split = PeerShards.split(c, config(10), 3);

        assertThat(split.main().peerShards()).isNull();
        assertThat(split.shards()).hasSize(3).allSatisfy(map -> assertThat(map.getData().values()).singleElement()
                .satisfies(text -> assertThat(text).contains("\"clients\":[]")));
    }

    @Adversarial
    @Test
    void clientsNeedingMoreThanTheMountedShardsAreRefusedNotCutShort() {
        ConnectorConfig huge = config(200);
        List<ConnectorConfig.Client> fat = new ArrayList<>();
        String groups = "g".repeat(63);
        for (ConnectorConfig.Client client : huge.clients()) {
            List<String> many = new ArrayList<>();
            for (int g = 0; g < 32; g++) {
                many.add(groups.substring(0, 60) + String.format("%03d", g));
            }
            for (int copy = 0; copy < 30; copy++) {
                fat.add(new ConnectorConfig.Client(client.name() + "-" + copy, client.publicKey(), client.address(),
                        many));
            }
        }

        assertThatThrownBy(() -> PeerShards.split(c, huge.withClients(fat), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most " + PeerShards.MAX_SHARDS);
    }
}
