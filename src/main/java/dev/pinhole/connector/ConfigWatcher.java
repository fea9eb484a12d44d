package dev.pinhole.connector;

import dev.pinhole.connector.config.ConfigProblem;
import dev.pinhole.connector.config.InvalidConfigException;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.connector.config.ShardsPendingException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Re-reads the config and key files and hands a changed, valid config to the data plane. Polls content rather
 * than watching inotify: Kubernetes updates ConfigMap volumes by swapping a symlink, which file watches miss. A
 * poll of unchanged files costs two reads and a hash. A new config counts as applied only when the data plane put
 * it in force; one that fails the check ({@code invalid}) or that the data plane refused ({@code refused}) leaves
 * the current one in force, and {@link #current()} is always the config in force. A main config whose peer shards
 * are not all there yet ({@code waiting}) is tried again at every poll until they are, and {@link #waiting()} says
 * which shard it waits for.
 */
public final class ConfigWatcher {
    private static final System.Logger LOG = System.getLogger(ConfigWatcher.class.getName());

    /** Puts a config in force whole, or throws naming why nothing changed. Blocks until it is decided. */
    @FunctionalInterface
    public interface Applier {
        void apply(LoadedConfig next) throws InvalidConfigException;
    }

    private final Path configFile;
    private final Path keyFile;
    private final Applier applier;
    private final ConnectorMetrics metrics;
    private final AtomicReference<LoadedConfig> current;
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private final AtomicReference<Waiting> waiting = new AtomicReference<>();
    /** The shard files' {@link #shardStamp()} when the waiting config was last tried. */
    private String waitingStamp;
    /** The content digest last found invalid: the same files are not loaded and checked again every poll. */
    private volatile String refusedDigest;

    public ConfigWatcher(Path configFile, Path keyFile, LoadedConfig initial, Applier applier,
                         ConnectorMetrics metrics) {
        this.configFile = configFile;
        this.keyFile = keyFile;
        this.applier = applier;
        this.metrics = metrics;
        this.current = new AtomicReference<>(initial);
    }

    /** Checks the files once; returns true when a new config was put in force. */
    public synchronized boolean poll() {
        String digest;
        try {
            digest = LoadedConfig.contentDigest(configFile, keyFile);
        } catch (IOException e) {
            digest = null; // load below reports it, naming the file
        }
        if (digest != null && digest.equals(current.get().digest())) {
            lastError.set(null);
            waiting.set(null);
            return false;
        }
        if (digest != null && digest.equals(refusedDigest)) {
            return false;
        }
        // While a main config waits for its shards, re-read and hash them only when the directory changed: the
        // kubelet swaps a projected volume's files by replacing them, so their sizes and times say when to look.
        String shardStamp = shardStamp();
        Waiting stillWaiting = waiting.get();
        if (digest != null && stillWaiting != null && digest.equals(stillWaiting.digest())
                && shardStamp != null && shardStamp.equals(waitingStamp)) {
            return false;
        }
        LoadedConfig next;
        try {
            next = LoadedConfig.load(configFile, keyFile);
        } catch (ShardsPendingException e) {
            // Not remembered by digest: the same main config loads once its shards arrive, at a later poll.
            waiting.set(new Waiting(digest, e.problems()));
            waitingStamp = shardStamp;
            refuse(null, "waiting", e);
            return false;
        } catch (InvalidConfigException e) {
            waiting.set(null);
            refuse(digest, "invalid", e);
            return false;
        }
        waiting.set(null);
        if (next.digest().equals(current.get().digest())) {
            lastError.set(null);
            return false;
        }
        try {
            applier.apply(next);
        } catch (InvalidConfigException e) {
            // Not remembered by digest: what the data plane refuses after the check passed may be passing
            // (a DNS upstream socket that could not be opened), so the same files are tried again next poll.
            refuse(null, "refused", e);
            return false;
        }
        current.set(next);
        lastError.set(null);
        refusedDigest = null;
        metrics.configReload("applied");
        LOG.log(System.Logger.Level.INFO, "applied new config {0}", next.digest());
        return true;
    }

    private void refuse(String digest, String outcome, InvalidConfigException e) {
        refusedDigest = digest;
        String message = e.getMessage();
        if (!message.equals(lastError.getAndSet(message))) {
            LOG.log(System.Logger.Level.WARNING, "refusing new config ({0}), keeping {1}: {2}", outcome,
                    current.get().digest(), message);
            metrics.configReload(outcome);
        }
    }

    /** Name, size and modification time of each shard file beside the config, or null if it cannot be listed. */
    private String shardStamp() {
        Path dir = configFile.toAbsolutePath().getParent();
        StringBuilder stamp = new StringBuilder();
        try (var files = java.nio.file.Files.newDirectoryStream(dir, "peers-*.json")) {
            for (Path f : files) {
                stamp.append(f.getFileName()).append(':').append(java.nio.file.Files.size(f)).append(':')
                        .append(java.nio.file.Files.getLastModifiedTime(f).toMillis()).append(';');
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return stamp.toString();
    }

    /** The config in force. */
    public LoadedConfig current() {
        return current.get();
    }

    /**
     * The newest main config while its peer shards are not all there as it names them (null otherwise): its
     * digest and, per shard, what is missing or differs. The config in force stays meanwhile.
     */
    public Waiting waiting() {
        return waiting.get();
    }

    /** A main config waiting for its shards: its content digest and one problem per shard not yet as named. */
    public record Waiting(String digest, List<ConfigProblem> shards) {}

    /** The reason the newest file content was refused, or null when it is in force. */
    public String lastError() {
        return lastError.get();
    }
}
