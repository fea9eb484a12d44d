package dev.pinhole.connector.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.List;

/** Reads and writes the connector config file (JSON); unknown fields and a wrong format are errors, not ignored. */
public final class ConnectorConfigCodec {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ConnectorConfigCodec() {}

    /** The canonical text of a config: same config, same bytes (the operator hashes it). */
    public static String write(ConnectorConfig config) {
        try {
            return JSON.writeValueAsString(config) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize connector config", e);
        }
    }

    /**
     * The canonical text of a peer shard file: same clients, same bytes (the main config names its digest). One
     * line, not indented: about 130 bytes a client, so a 512 KiB shard holds some 4,000.
     */
    public static String writeShard(ConnectorConfig.PeerShardFile shard) {
        try {
            return JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(shard) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize peer shard", e);
        }
    }

    /** Parses a config file's text; syntax errors name the JSON path. Does not validate values. */
    public static ConnectorConfig read(String text) throws InvalidConfigException {
        ConnectorConfig config;
        try {
            config = JSON.readValue(text, ConnectorConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new InvalidConfigException(List.of(
                    new ConfigProblem(path(e), e.getPropertyName(), "unknown field")));
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(List.of(
                    new ConfigProblem(path(e), null, e.getOriginalMessage())));
        }
        if (config == null) {
            throw new InvalidConfigException(List.of(new ConfigProblem("$", null, "empty config")));
        }
        if (!ConnectorConfig.FORMAT.equals(config.format())) {
            throw new InvalidConfigException(List.of(new ConfigProblem("format", config.format(),
                    "unsupported format, this connector reads " + ConnectorConfig.FORMAT)));
        }
        return config;
    }

    /**
     * Parses a peer shard file's text ({@value PeerShardFiles#FORMAT}); problems are named by {@code file} and
     * the path inside it. Does not validate values (the merged config is checked whole).
     */
    public static ConnectorConfig.PeerShardFile readShard(String text, String file) throws InvalidConfigException {
        ConnectorConfig.PeerShardFile shard;
        try {
            shard = JSON.readValue(text, ConnectorConfig.PeerShardFile.class);
        } catch (UnrecognizedPropertyException e) {
            throw new InvalidConfigException(List.of(
                    new ConfigProblem(file + ": " + path(e), e.getPropertyName(), "unknown field")));
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(List.of(
                    new ConfigProblem(file + ": " + path(e), null, e.getOriginalMessage())));
        }
        if (shard == null || !PeerShardFiles.FORMAT.equals(shard.format())) {
            throw new InvalidConfigException(List.of(new ConfigProblem(file + ": format",
                    shard == null ? null : shard.format(), "unsupported format, this connector reads "
                            + PeerShardFiles.FORMAT)));
        }
        return shard;
    }

    private static String path(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (var ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    if (sb.length() > 0) {
                        sb.append('.');
                    }
                    sb.append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    sb.append('[').append(ref.getIndex()).append(']');
                }
            }
            return sb.toString();
        }
        return "$";
    }
}
