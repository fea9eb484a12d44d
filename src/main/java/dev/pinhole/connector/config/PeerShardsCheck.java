package dev.pinhole.connector.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Checks the {@code peerShards} a main config names, before any file is read: at most {@link #MAX_SHARDS}, each a
 * plain file name in the config's own directory (a ConfigMap key: letters, digits, '-', '_' and '.', ending in
 * {@code .json}, never a path) named once, with a SHA-256 digest as 64 lower-case
 * hex digits. Part of {@link ConfigCheck}.
 */
final class PeerShardsCheck {
    /**
     * Shards one config names: 16 of {@link PeerShardFiles#MAX_SHARD_BYTES} hold about 50,000 clients of ~160 bytes,
     * far above {@link ConfigCheck#MAX_CLIENTS}; a projected volume of 16 ConfigMaps stays small.
     */
    static final int MAX_SHARDS = 16;
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}\\.json");
    private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");

    private PeerShardsCheck() {}

    static void check(ConnectorConfig config, List<ConfigProblem> problems, UnaryOperator<String> field) {
        List<ConnectorConfig.PeerShard> shards = config.peerShardList();
        if (shards.size() > MAX_SHARDS) {
            problems.add(new ConfigProblem(field.apply("peerShards"), shards.size() + " shards",
                    "at most " + MAX_SHARDS + " shards"));
            return;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < shards.size(); i++) {
            ConnectorConfig.PeerShard shard = shards.get(i);
            String base = "peerShards[" + i + "]";
            if (shard == null || shard.file() == null || !FILE.matcher(shard.file()).matches()
                    || shard.file().contains("..")) {
                problems.add(new ConfigProblem(field.apply(base + ".file"), shard == null ? null : shard.file(),
                        "must be a file name beside the config (letters, digits, '-', '_', '.', ending in .json),"
                                + " not a path"));
            } else {
                Integer first = seen.putIfAbsent(shard.file(), i);
                if (first != null) {
                    problems.add(new ConfigProblem(field.apply(base + ".file"), shard.file(),
                            "duplicate of " + field.apply("peerShards[" + first + "].file")));
                }
            }
            if (shard != null && (shard.digest() == null || !DIGEST.matcher(shard.digest()).matches())) {
                problems.add(new ConfigProblem(field.apply(base + ".digest"), shard.digest(),
                        "must be the SHA-256 of the file as 64 lower-case hex digits"));
            }
        }
    }
}
