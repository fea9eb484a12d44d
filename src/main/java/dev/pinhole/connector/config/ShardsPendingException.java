package dev.pinhole.connector.config;

import java.util.List;

/**
 * A main config whose peer shards are not all there as it names them yet (missing, another digest, over the size
 * bound): the kubelet refreshes the ConfigMaps of a projected volume one by one, so the connector keeps the config
 * in force and looks again at the next poll instead of refusing the new one for good. Each problem names the shard.
 */
public final class ShardsPendingException extends InvalidConfigException {
    public ShardsPendingException(List<ConfigProblem> problems) {
        super(problems);
    }
}
