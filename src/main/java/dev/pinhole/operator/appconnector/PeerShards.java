package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.PeerShardFiles;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapProjectionBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.VolumeProjectionBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a rendered connector config whose clients do not fit one ConfigMap into peer shards
 * (docs/connector-config.md#peer-shards): the main config names each shard file and its digest, each shard is a
 * ConfigMap {@code <name>-peers-<n>} of at most {@link #SHARD_BUDGET_BYTES}, and the pod mounts them all in one
 * projected volume with the main config. A config that fits stays whole and names no shard (byte for byte what it
 * was before shards existed). Shards no longer needed are written empty (the operator may not delete ConfigMaps):
 * the main config does not name them, so the connector never reads them.
 */
public final class PeerShards {
    /** Shards a pod mounts (all optional: only the ones written exist); as many as a config may name. */
    public static final int MAX_SHARDS = 16;
    /**
     * A main config over this many bytes is split: well under a ConfigMap's 1 MiB, with room for the metadata the
     * API server keeps beside the data (the last-applied field manager entries).
     */
    static final int INLINE_BYTES = 512 * 1024;
    /** What one shard's clients may take, under the connector's 512 KiB read bound with room for the envelope. */
    static final int SHARD_BUDGET_BYTES = PeerShardFiles.MAX_SHARD_BYTES - 4 * 1024;

    /** The config to write as {@code connector.json} and the shard ConfigMaps to write before it (in order). */
    public record Split(ConnectorConfig main, List<ConfigMap> shards) {}

    private PeerShards() {}

    public static String configMapName(AppConnector c, int shard) {
        return c.getMetadata().getName() + "-peers-" + shard;
    }

    public static String fileName(int shard) {
        return "peers-" + shard + ".json";
    }

    /**
     * {@code config} as it is when its text fits {@link #INLINE_BYTES}; otherwise its clients moved into shards of at
     * most {@link #SHARD_BUDGET_BYTES} each, in order (same clients, same shards, same digests: nothing is rewritten
     * while nothing changed), plus an empty shard for each of {@code previousShards} beyond the new count.
     *
     * @throws IllegalArgumentException when the clients need more than {@link #MAX_SHARDS} shards
     */
    public static Split split(AppConnector c, ConnectorConfig config, int previousShards) {
        List<ConfigMap> maps = new ArrayList<>();
        List<ConnectorConfig.PeerShard> refs = new ArrayList<>();
        ConnectorConfig main = config;
        if (ConnectorConfigCodec.write(config).length() > INLINE_BYTES) {
            List<List<ConnectorConfig.Client>> groups = pack(config.clients());
            if (groups.size() > MAX_SHARDS) {
                throw new IllegalArgumentException(config.clients().size() + " clients need " + groups.size()
                        + " shards of " + SHARD_BUDGET_BYTES / 1024 + " KiB, at most " + MAX_SHARDS);
            }
            for (int i = 0; i < groups.size(); i++) {
                String text = ConnectorConfigCodec.writeShard(
                        new ConnectorConfig.PeerShardFile(PeerShardFiles.FORMAT, groups.get(i)));
                refs.add(new ConnectorConfig.PeerShard(fileName(i),
                        PeerShardFiles.sha256(text.getBytes(StandardCharsets.UTF_8))));
                maps.add(shardMap(c, i, text));
            }
            main = config.withClients(List.of()).withPeerShards(refs);
        }
        for (int i = refs.size(); i < Math.min(previousShards, MAX_SHARDS); i++) {
            maps.add(shardMap(c, i, ConnectorConfigCodec.writeShard(
                    new ConnectorConfig.PeerShardFile(PeerShardFiles.FORMAT, List.of()))));
        }
        return new Split(main, maps);
    }

    /** Clients in order, a new shard whenever the next one would take the current one past the budget. */
    private static List<List<ConnectorConfig.Client>> pack(List<ConnectorConfig.Client> clients) {
        List<List<ConnectorConfig.Client>> groups = new ArrayList<>();
        List<ConnectorConfig.Client> current = new ArrayList<>();
        int bytes = 0;
        for (ConnectorConfig.Client client : clients) {
            int size = ConnectorConfigCodec.writeShard(new ConnectorConfig.PeerShardFile(null, List.of(client)))
                    .length();
            if (!current.isEmpty() && bytes + size > SHARD_BUDGET_BYTES) {
                groups.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(client);
            bytes += size;
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    private static ConfigMap shardMap(AppConnector c, int shard, String text) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                    .withName(configMapName(c, shard))
                    .withNamespace(c.getMetadata().getNamespace())
                    .withLabels(ConnectorNames.labels(c))
                .endMetadata()
                .addToData(fileName(shard), text)
                .build();
    }

    /**
     * The pod's config volume: the main config and every possible shard ({@link #MAX_SHARDS}, each optional) in one
     * projected volume, so the pod template stays the same however many shards the clients need.
     */
    static Volume configVolume(AppConnector c) {
        // Each source projects only its own file: without items every key of every source lands in the directory
        // and the kubelet lets a later source win, so anyone who may create ConfigMaps here could plant an unused
        // shard's ConfigMap carrying connector.json and replace the config the operator renders.
        List<VolumeProjection> sources = new ArrayList<>();
        sources.add(new VolumeProjectionBuilder().withConfigMap(new ConfigMapProjectionBuilder()
                .withName(ConnectorNames.configMap(c))
                .addNewItem().withKey(ConnectorNames.CONFIG_FILE).withPath(ConnectorNames.CONFIG_FILE).endItem()
                .build()).build());
        for (int i = 0; i < MAX_SHARDS; i++) {
            sources.add(new VolumeProjectionBuilder().withConfigMap(new ConfigMapProjectionBuilder()
                    .withName(configMapName(c, i)).withOptional(true)
                    .addNewItem().withKey(fileName(i)).withPath(fileName(i)).endItem()
                    .build()).build());
        }
        return new VolumeBuilder().withName("config").withNewProjected().withSources(sources).endProjected().build();
    }
}
