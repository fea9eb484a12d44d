package dev.pinhole.connector;

import dev.pinhole.connector.config.InvalidConfigException;
import dev.pinhole.connector.config.LoadedConfig;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Re-reads the config and key files and hands a changed, valid config to the data plane. Polls content rather
 * than watching inotify: Kubernetes updates ConfigMap volumes by swapping a symlink, which file watches miss. An
 * invalid new config is refused and the current one stays in force.
 */
public final class ConfigWatcher {
    private static final System.Logger LOG = System.getLogger(ConfigWatcher.class.getName());

    private final Path configFile;
    private final Path keyFile;
    private final Consumer<LoadedConfig> onChange;
    private final ConnectorMetrics metrics;
    private final AtomicReference<LoadedConfig> current;
    private final AtomicReference<String> lastError = new AtomicReference<>();

    public ConfigWatcher(Path configFile, Path keyFile, LoadedConfig initial, Consumer<LoadedConfig> onChange,
                         ConnectorMetrics metrics) {
        this.configFile = configFile;
        this.keyFile = keyFile;
        this.onChange = onChange;
        this.metrics = metrics;
        this.current = new AtomicReference<>(initial);
    }

    /** Checks the files once; returns true when a new config was applied. */
    public boolean poll() {
        LoadedConfig next;
        try {
            next = LoadedConfig.load(configFile, keyFile);
        } catch (InvalidConfigException e) {
            String message = e.getMessage();
            if (!message.equals(lastError.getAndSet(message))) {
                LOG.log(System.Logger.Level.WARNING, "refusing new config, keeping the current one: {0}", message);
                metrics.configReload("invalid");
            }
            return false;
        }
        lastError.set(null);
        if (next.digest().equals(current.get().digest())) {
            return false;
        }
        current.set(next);
        onChange.accept(next);
        metrics.configReload("applied");
        LOG.log(System.Logger.Level.INFO, "applied new config {0}", next.digest());
        return true;
    }

    public LoadedConfig current() {
        return current.get();
    }

    /** The reason the newest file content was refused, or null when it is in force. */
    public String lastError() {
        return lastError.get();
    }
}
