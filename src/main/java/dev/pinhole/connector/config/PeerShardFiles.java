package dev.pinhole.connector.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the peer shards a main config names (docs/connector-config.md#peer-shards) from the directory the main
 * config is in, and merges their clients after the main config's own: all or nothing. Every shard must be there,
 * at most {@link #MAX_SHARD_BYTES}, with exactly the digest the main config names, or nothing is merged and the
 * load waits ({@link ShardsPendingException}, naming each shard that is missing or differs): the kubelet refreshes
 * the ConfigMaps of a projected volume one at a time, so a new main config may arrive before its shards or after
 * them. Once the digests match the content is what the operator rendered, and a problem in it (a client also in
 * another shard, an unknown field) is a refusal like any other, named by shard and index.
 */
public final class PeerShardFiles {
    /** The format of a shard file; anything else is refused. */
    public static final String FORMAT = "pinhole.dev/connector-peers/v1";
    /** Half a ConfigMap (1 MiB at most, keys and metadata included): a shard always fits in one, with room. */
    public static final int MAX_SHARD_BYTES = 512 * 1024;
    private static final Pattern CLIENT_PATH = Pattern.compile("clients\\[(\\d+)](.*)");

    private PeerShardFiles() {}

    /** A main config with its shards' clients merged in, and how to name the merged config's fields by file. */
    record Merged(ConnectorConfig config, UnaryOperator<String> fields) {}

    /**
     * {@code main} with the clients of every shard it names appended, read from {@code dir}; {@code main} itself
     * when it names none. The shards' references must have passed {@link PeerShardsCheck}.
     *
     * @throws ShardsPendingException when a shard is missing, over the bound, or not the digest named
     * @throws InvalidConfigException when the shards are the ones named but cannot be read as clients
     */
    static Merged merge(ConnectorConfig main, Path dir, String mainFileName) throws InvalidConfigException {
        List<ConnectorConfig.PeerShard> shards = main.peerShardList();
        if (shards.isEmpty()) {
            return new Merged(main, UnaryOperator.identity());
        }
        List<ConfigProblem> pending = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            ConnectorConfig.PeerShard shard = shards.get(i);
            String field = "peerShards[" + i + "]";
            if (shard.file().equals(mainFileName)) {
                throw new InvalidConfigException(List.of(new ConfigProblem(field + ".file", shard.file(),
                        "is the main config itself")));
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(dir.resolve(shard.file()))) {
                bytes = in.readNBytes(MAX_SHARD_BYTES + 1);
            } catch (NoSuchFileException e) {
                pending.add(new ConfigProblem(field, shard.file(), "missing: waiting for it"));
                continue;
            } catch (IOException e) {
                pending.add(new ConfigProblem(field, shard.file(), "cannot read: " + e.getMessage()));
                continue;
            }
            if (bytes.length > MAX_SHARD_BYTES) {
                pending.add(new ConfigProblem(field, shard.file(), "over " + MAX_SHARD_BYTES / 1024
                        + " KiB: not the shard named (digest " + shard.digest() + ")"));
                continue;
            }
            String found = sha256(bytes);
            if (!found.equals(shard.digest())) {
                pending.add(new ConfigProblem(field, shard.file(), "digest " + found + ", the config names "
                        + shard.digest() + ": waiting for the shard to be refreshed"));
                continue;
            }
            texts.add(new String(bytes, StandardCharsets.UTF_8));
        }
        if (!pending.isEmpty()) {
            throw new ShardsPendingException(pending);
        }
        List<ConnectorConfig.Client> clients = new ArrayList<>(main.clients() == null ? List.of() : main.clients());
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            ConnectorConfig.PeerShardFile file = ConnectorConfigCodec.readShard(texts.get(i), shards.get(i).file());
            List<ConnectorConfig.Client> own = file.clients() == null ? List.of() : file.clients();
            clients.addAll(own);
            sizes.add(own.size());
        }
        return new Merged(main.withClients(java.util.Collections.unmodifiableList(clients)),
                fieldNames(main, sizes));
    }

    /**
     * Names a field of the merged config by where it was written: {@code clients[n]} past the main config's own
     * clients becomes {@code peers-1.json: clients[k]}, so a duplicate across shards names both files.
     */
    private static UnaryOperator<String> fieldNames(ConnectorConfig main, List<Integer> shardSizes) {
        int inline = main.clients() == null ? 0 : main.clients().size();
        List<ConnectorConfig.PeerShard> shards = main.peerShardList();
        return path -> {
            Matcher m = CLIENT_PATH.matcher(path);
            if (!m.matches()) {
                return path;
            }
            int index = Integer.parseInt(m.group(1));
            if (index < inline) {
                return path;
            }
            int offset = index - inline;
            for (int s = 0; s < shards.size(); s++) {
                if (offset < shardSizes.get(s)) {
                    return shards.get(s).file() + ": clients[" + offset + "]" + m.group(2);
                }
                offset -= shardSizes.get(s);
            }
            return path;
        };
    }

    /** The digest a main config names for a shard of these bytes. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
