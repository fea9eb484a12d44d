package dev.pinhole.connector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
 * A main config naming peer shards is loaded only with every shard there, within its bound and with the digest
 * named: anything else waits (nothing merged) or is refused, naming the shard.
 */
class PeerShardFilesTest {
    @TempDir
    Path dir;
    Path configFile;
    Path keyFile;
    int nextHost = 2;

    @BeforeEach
    void key() throws Exception {
        configFile = dir.resolve("connector.json");
        keyFile = dir.resolve("privateKey");
        Files.writeString(keyFile, Keys.toBase64(Keys.generatePrivate()) + "\n");
    }

    private List<ConnectorConfig.Client> clients(int n) {
        List<ConnectorConfig.Client> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int host = nextHost++;
            out.add(new ConnectorConfig.Client("c-" + host, Keys.toBase64(Keys.publicFromPrivate(
                    Keys.generatePrivate())), "100.96." + (host >> 8) + "." + (host & 0xff) + "/32"));
        }
        return out;
    }

    private static String shardText(List<ConnectorConfig.Client> clients) {
        return ConnectorConfigCodec.writeShard(new ConnectorConfig.PeerShardFile(PeerShardFiles.FORMAT, clients));
    }

    private static String digest(String text) {
        return PeerShardFiles.sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    private static ConnectorConfig main(List<ConnectorConfig.Client> inline, List<ConnectorConfig.PeerShard> shards) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "saas", "apps",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/16", 51820, 1420, "100.80.0.0/12"), inline,
                List.of("example.com"), List.of(), new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(0)).withPeerShards(shards);
    }

    private void writeMain(ConnectorConfig config) throws Exception {
        Files.writeString(configFile, ConnectorConfigCodec.write(config));
    }

    @Test
    void everyShardsClientsFollowTheInlineOnes() throws Exception {
        List<ConnectorConfig.Client> inline = clients(1);
        String a = shardText(clients(3));
        String b = shardText(clients(2));
        Files.writeString(dir.resolve("peers-0.json"), a);
        Files.writeString(dir.resolve("peers-1.json"), b);
        writeMain(main(inline, List.of(new ConnectorConfig.PeerShard("peers-0.json", digest(a)),
                new ConnectorConfig.PeerShard("peers-1.json", digest(b)))));

        LoadedConfig loaded = LoadedConfig.load(configFile, keyFile);

        assertThat(loaded.config().clients()).extracting(ConnectorConfig.Client::name)
                .containsExactly("c-2", "c-3", "c-4", "c-5", "c-6", "c-7");
    }

    @Adversarial
    @Test
    void aMissingShardIsWaitedForNamingIt() throws Exception {
        String a = shardText(clients(2));
        Files.writeString(dir.resolve("peers-0.json"), a);
        writeMain(main(List.of(), List.of(new ConnectorConfig.PeerShard("peers-0.json", digest(a)),
                new ConnectorConfig.PeerShard("peers-1.json", digest(shardText(clients(1)))))));

        assertThatThrownBy(() -> LoadedConfig.load(configFile, keyFile))
                .isInstanceOf(ShardsPendingException.class)
                .satisfies(e -> assertThat(((ShardsPendingException) e).problems()).singleElement()
                        .satisfies(p -> {
                            assertThat(p.field()).isEqualTo("peerShards[1]");
                            assertThat(p.value()).isEqualTo("peers-1.json");
                            assertThat(p.reason()).startsWith("missing");
                        }));
    }

    @Adversarial
    @Test
    void aStaleShardIsWaitedForWithBothDigests() throws Exception {
        List<ConnectorConfig.Client> before = clients(2);
        List<ConnectorConfig.Client> after = new ArrayList<>(before);
        after.addAll(clients(1));
        String stale = shardText(before);
        String fresh = shardText(after);
        Files.writeString(dir.resolve("peers-0.json"), stale);
        writeMain(main(List.of(), List.of(new ConnectorConfig.PeerShard("peers-0.json", digest(fresh)))));

        assertThatThrownBy(() -> LoadedConfig.load(configFile, keyFile))
                .isInstanceOf(ShardsPendingException.class)
                .hasMessageContaining("digest " + digest(stale))
                .hasMessageContaining("names " + digest(fresh));

        Files.writeString(dir.resolve("peers-0.json"), fresh);
        assertThat(LoadedConfig.load(configFile, keyFile).config().clients()).hasSize(3);
    }

    @Adversarial
    @Test
    void aClientInTwoShardsIsRefusedNamingBothFiles() throws Exception {
        List<ConnectorConfig.Client> first = clients(2);
        String a = shardText(first);
        String b = shardText(List.of(clients(1).get(0), first.get(1)));
        Files.writeString(dir.resolve("peers-0.json"), a);
        Files.writeString(dir.resolve("peers-1.json"), b);
        writeMain(main(List.of(), List.of(new ConnectorConfig.PeerShard("peers-0.json", digest(a)),
                new ConnectorConfig.PeerShard("peers-1.json", digest(b)))));

        assertThatThrownBy(() -> LoadedConfig.load(configFile, keyFile))
                .isInstanceOf(InvalidConfigException.class)
                .isNotInstanceOf(ShardsPendingException.class)
                .hasMessageContaining("peers-1.json: clients[1].name: \"" + first.get(1).name()
                        + "\": duplicate of peers-0.json: clients[1].name");
    }

    @Adversarial
    @Test
    void aShardOverTheBoundIsNotReadPastIt() throws Exception {
        List<ConnectorConfig.Client> many = new ArrayList<>();
        String text;
        do {
            many.addAll(clients(500));
            text = shardText(many);
        } while (text.length() <= PeerShardFiles.MAX_SHARD_BYTES);
        Files.writeString(dir.resolve("peers-0.json"), text);
        writeMain(main(List.of(), List.of(new ConnectorConfig.PeerShard("peers-0.json", digest(text)))));

        assertThatThrownBy(() -> LoadedConfig.load(configFile, keyFile))
                .isInstanceOf(ShardsPendingException.class)
                .hasMessageContaining("peers-0.json")
                .hasMessageContaining("over 512 KiB");
    }

    @Adversarial
    @Test
    void aShardNamedAsAPathIsRefusedWithoutOpeningIt() throws Exception {
        writeMain(main(List.of(), List.of(new ConnectorConfig.PeerShard("../privateKey", digest("x")))));

        assertThatThrownBy(() -> LoadedConfig.load(configFile, keyFile))
                .isInstanceOf(InvalidConfigException.class)
                .isNotInstanceOf(ShardsPendingException.class)
                .hasMessageContaining("peerShards[0].file: \"../privateKey\": must be a file name");
    }

    @Adversarial
    @Test
    void shardsTogetherOverTheClientBoundAreRefusedOnTheList() throws Exception {
        int perShard = ConfigCheck.MAX_CLIENTS / 4 + 1;
        List<ConnectorConfig.PeerShard> refs = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            List<ConnectorConfig.Client> batch = new ArrayList<>();
            for (int i = 0; i < perShard; i++) {
                int host = nextHost++;
                byte[] key = new byte[32];
                new java.util.Random(host).nextBytes(key);
                batch.add(new ConnectorConfig.Client("c-" + host, java.util.Base64.getEncoder().encodeToString(key),
                        "100.96." + (host >> 8) + "." + (host & 0xff) + "/32"));
            }
            String text = shardText(batch);
            Files.writeString(dir.resolve("peers-" + s + ".json"), text);
            refs.add(new ConnectorConfig.PeerShard("peers-" + s + ".json", digest(text)));
        }
        writeMain(main(List.of(), refs));

        assertThatThrownBy(() -> LoadedConfig.load(configFile, keyFile))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("clients: \"" + 4 * perShard + " clients\": at most " + ConfigCheck.MAX_CLIENTS);
    }
}
