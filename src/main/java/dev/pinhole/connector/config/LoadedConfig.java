package dev.pinhole.connector.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;

/** A config file and private key that were read and validated together; the unit the connector swaps on reload. */
public final class LoadedConfig {
    private final ConnectorConfig config;
    private final byte[] privateKey;
    private final String digest;

    private LoadedConfig(ConnectorConfig config, byte[] privateKey, String digest) {
        this.config = config;
        this.privateKey = privateKey;
        this.digest = digest;
    }

    /**
     * Reads both files (and the peer shards the config names, beside it: {@link PeerShardFiles}) and validates
     * everything; any problem leaves the caller's current config in force. Shards not yet as named throw {@link
     * ShardsPendingException}. The digest is the main config's and the key's: the main config names each shard's
     * digest, so it identifies the shards too.
     */
    public static LoadedConfig load(Path configFile, Path keyFile) throws InvalidConfigException {
        String text;
        try {
            text = Files.readString(configFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidConfigException(List.of(new ConfigProblem("--config", configFile.toString(),
                    "cannot read: " + e.getMessage())));
        }
        ConnectorConfig main = ConnectorConfigCodec.read(text);
        List<ConfigProblem> references = new ArrayList<>();
        PeerShardsCheck.check(main, references, UnaryOperator.identity());
        if (!references.isEmpty()) {
            throw new InvalidConfigException(references); // no file is opened for a bad name
        }
        Path dir = configFile.toAbsolutePath().getParent();
        PeerShardFiles.Merged merged = PeerShardFiles.merge(main, dir, configFile.getFileName().toString());
        ConnectorConfig config = merged.config();
        List<ConfigProblem> problems = new ArrayList<>(ConfigCheck.check(config, merged.fields()));
        byte[] key = null;
        String encoded = "";
        try {
            encoded = Files.readString(keyFile, StandardCharsets.UTF_8).trim();
            key = Base64.getDecoder().decode(encoded);
            if (key.length != 32) {
                problems.add(new ConfigProblem("--key", keyFile.toString(),
                        "expected a 32-byte base64 key, got " + key.length + " bytes"));
            }
        } catch (IOException e) {
            problems.add(new ConfigProblem("--key", keyFile.toString(), "cannot read: " + e.getMessage()));
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem("--key", keyFile.toString(), "not base64"));
        }
        if (!problems.isEmpty()) {
            if (key != null) {
                Arrays.fill(key, (byte) 0);
            }
            throw new InvalidConfigException(problems);
        }
        return new LoadedConfig(config, key, digestOf(text, encoded));
    }

    /**
     * The digest {@link #load} would give the files' content, without parsing or checking it: a poll that finds
     * the digest in force (or one already refused) has nothing more to do.
     */
    public static String contentDigest(Path configFile, Path keyFile) throws IOException {
        return digestOf(Files.readString(configFile, StandardCharsets.UTF_8),
                Files.readString(keyFile, StandardCharsets.UTF_8).trim());
    }

    /**
     * The digest of a main config's text and the key's (base64, trimmed): what {@link #digest()} and the connector's
     * {@code /status} {@code configDigest} report. The operator computes it over what it rendered to tell whether a
     * pod runs that config (it holds both texts; the shards are covered through the digests the main text names).
     */
    public static String digestOf(String configText, String keyText) {
        return sha256(configText + "\n" + keyText);
    }

    public ConnectorConfig config() {
        return config;
    }

    /** The raw X25519 private key; callers must not keep or modify it. */
    public byte[] privateKey() {
        return privateKey;
    }

    /** Identifies the exact content of both files: unchanged digest, nothing to reload. */
    public String digest() {
        return digest;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
