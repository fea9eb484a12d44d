package dev.pinhole.operator.ipset;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pinhole.api.IPSet;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.feed.FeedContent;
import dev.pinhole.ipset.feed.FeedRequest;
import dev.pinhole.ipset.feed.FeedSourceState;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The last good list of each source of an IPSet, kept in a ConfigMap the operator owns, so a restarted operator
 * publishes what it had (never nothing, never an unchecked fetch) until a fetch succeeds. Written only when a
 * digest changes, not on every fetch; refused when it would come near the API server's object limit.
 *
 * <p>Not in the IPSet's status: status is meant to be rebuilt from observation (backups and GitOps tools drop it,
 * `kubectl apply` never restores it), it is read by everyone who reads the set, and a second copy of up to tens of
 * thousands of prefixes there would make every status write and every watch event of the set that much larger.
 */
public final class FeedCache {
    /** Marks the operator's feed caches; the IPSet controller's informer selects on it. */
    public static final String LABEL = "pinhole.dev/ipset-feeds";
    /** Sorted "name url digest" lines of the persisted sources: what decides whether to write. */
    static final String DIGESTS_ANNOTATION = "pinhole.dev/feed-digests";
    static final String DATA_KEY = "sources.json";
    /** Below the API server's 1 MiB object limit (etcd's request limit is about 1.5 MiB), with room for metadata. */
    static final int MAX_BYTES = 900 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private FeedCache() {}

    /** The ConfigMap's name: the set's, with a suffix (shortened with a hash when the name is long). */
    public static String name(IPSet set) {
        String name = set.getMetadata().getName() + "-feeds";
        if (name.length() <= 253) {
            return name;
        }
        return set.getMetadata().getName().substring(0, 236) + "-" + shortHash(set.getMetadata().getName())
                + "-feeds";
    }

    /** What to persist for these views: a ConfigMap, or empty when there is nothing good to keep. */
    public static Optional<Desired> desired(IPSet set, List<FeedRefresher.SourceView> views) {
        ArrayNode sources = JSON.createArrayNode();
        TreeMap<String, String> digests = new TreeMap<>();
        for (FeedRefresher.SourceView view : views) {
            Optional<FeedSourceState.Accepted> good = view.state().lastGood();
            if (good.isEmpty()) {
                continue;
            }
            FeedRequest request = view.plan().request();
            FeedContent content = good.get().content();
            ObjectNode source = sources.addObject();
            source.put("name", request.name());
            source.put("url", request.url().toString());
            source.put("digest", content.digest());
            source.put("fetchedAt", good.get().fetchedAt().toString());
            content.version().ifPresent(v -> source.put("version", v));
            content.timestamp().ifPresent(t -> source.put("timestamp", t));
            ArrayNode prefixes = source.putArray("prefixes");
            content.prefixes().forEach(p -> prefixes.add(p.toString()));
            digests.put(request.name() + " " + request.url(), content.digest());
        }
        if (sources.isEmpty()) {
            return Optional.empty();
        }
        String text = sources.toString();
        String digestLines = String.join("\n", digests.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).toList());
        ConfigMap map = new ConfigMapBuilder()
                .withNewMetadata()
                    .withName(name(set))
                    .withNamespace(set.getMetadata().getNamespace())
                    .withLabels(Map.of(LABEL, "true"))
                    .withAnnotations(Map.of(DIGESTS_ANNOTATION, shortHash(digestLines)))
                    // No blockOwnerDeletion: nothing needs to wait for the cache, and it would need the
                    // ipsets/finalizers right where OwnerReferencesPermissionEnforcement is on.
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(set.getApiVersion())
                            .withKind(set.getKind()).withName(set.getMetadata().getName())
                            .withUid(set.getMetadata().getUid()).withController(true).build())
                .endMetadata()
                .withData(Map.of(DATA_KEY, text))
                .build();
        return Optional.of(new Desired(map, text.getBytes(StandardCharsets.UTF_8).length));
    }

    /** A ConfigMap to write and its size in bytes. */
    public record Desired(ConfigMap configMap, int bytes) {
        /** Whether it fits under {@link #MAX_BYTES}. */
        public boolean fits() {
            return bytes <= MAX_BYTES;
        }

        /** Whether {@code current} already holds the same lists (same digests), so nothing needs writing. */
        public boolean sameAs(Optional<ConfigMap> current) {
            return current.map(c -> c.getMetadata().getAnnotations() != null
                    && configMap.getMetadata().getAnnotations().get(DIGESTS_ANNOTATION)
                            .equals(c.getMetadata().getAnnotations().get(DIGESTS_ANNOTATION))).orElse(false);
        }
    }

    /**
     * The lists a cache holds, by source name and URL. An entry that does not parse, or whose prefixes do not
     * match its digest, is left out: the source is then fetched as if new (and the set waits for it).
     */
    public static Map<String, FeedSourceState.Accepted> read(Optional<ConfigMap> cache) {
        Map<String, FeedSourceState.Accepted> lists = new HashMap<>();
        String text = cache.map(ConfigMap::getData).map(d -> d.get(DATA_KEY)).orElse(null);
        if (text == null) {
            return lists;
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return lists;
        }
        if (root == null || !root.isArray()) {
            return lists;
        }
        for (JsonNode source : root) {
            try {
                List<Cidr> prefixes = new ArrayList<>();
                for (JsonNode prefix : source.path("prefixes")) {
                    prefixes.add(Cidr.parse(prefix.asText()));
                }
                FeedContent content = new FeedContent(prefixes.stream().sorted().distinct().toList(),
                        optional(source, "version"), optional(source, "timestamp"));
                if (prefixes.isEmpty() || !content.digest().equals(source.path("digest").asText())) {
                    continue;
                }
                lists.put(key(source.path("name").asText(), source.path("url").asText()),
                        new FeedSourceState.Accepted(content, Instant.parse(source.path("fetchedAt").asText())));
            } catch (RuntimeException e) {
                // A damaged entry: fetch that source afresh.
            }
        }
        return lists;
    }

    /** The key {@link #read} files a source's list under. */
    public static String key(FeedRequest request) {
        return key(request.name(), request.url().toString());
    }

    private static String key(String name, String url) {
        return name + " " + url;
    }

    private static Optional<String> optional(JsonNode source, String field) {
        JsonNode value = source.get(field);
        return value == null || !value.isTextual() ? Optional.empty() : Optional.of(value.asText());
    }

    private static String shortHash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
