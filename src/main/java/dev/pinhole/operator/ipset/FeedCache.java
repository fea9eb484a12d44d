package dev.pinhole.operator.ipset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pinhole.api.IPSet;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.feed.FeedContent;
import dev.pinhole.ipset.feed.FeedFetcher;
import dev.pinhole.ipset.feed.FeedRequest;
import dev.pinhole.ipset.feed.FeedSourceState;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The last good list of each source of an IPSet, kept in a ConfigMap the operator owns, so a restarted operator
 * publishes what it had (never nothing, never an unchecked fetch) until a fetch succeeds. Written only when a
 * digest changes, not on every fetch; gzip-compressed ({@code binaryData}), refused only when even that would come
 * near the API server's object limit.
 *
 * <p>The ConfigMap lives in the set's namespace, where a user with ConfigMap rights (and none on IPSets) can write
 * it, so it is <b>sealed</b>: an HMAC-SHA256 with the operator's key ({@link FeedCacheSeal}) over the compressed
 * payload and the set's UID. A cache that is not sealed by that key, is sealed for another set (copied from one),
 * or says a list was fetched in the future is ignored whole, and the sources are fetched afresh. The seal is
 * checked before anything is decompressed or parsed.
 *
 * <p>A seal proves the operator wrote a cache, not that it is the latest one: someone who can write the ConfigMap
 * could put back an older sealed cache of the same set, restoring a list the vendor has since withdrawn. So a
 * sealed list is restored only when the set's status (which only the operator writes) names the same digest as
 * that source's last good list; any other is refused ({@code replayed}) and that source fetched afresh.
 *
 * <p>Not in the IPSet's status: status is meant to be rebuilt from observation (backups and GitOps tools drop it,
 * `kubectl apply` never restores it), it is read by everyone who reads the set, and a second copy of up to tens of
 * thousands of prefixes there would make every status write and every watch event of the set that much larger.
 */
public final class FeedCache {
    /** Marks the operator's feed caches; the IPSet controller's informer selects on it. */
    public static final String LABEL = "pinhole.dev/ipset-feeds";
    /** Sorted "key digest validators" lines of the persisted sources, hashed: what decides whether to write. */
    static final String DIGESTS_ANNOTATION = "pinhole.dev/feed-digests";
    /** The hex HMAC-SHA256 of the set UID and the compressed payload. */
    static final String SEAL_ANNOTATION = "pinhole.dev/feed-cache-seal";
    /** The UID the cache was sealed for, so a copy from another set is told apart from a forgery. */
    static final String SET_UID_ANNOTATION = "pinhole.dev/feed-cache-set-uid";
    static final String DATA_KEY = "sources.json.gz";
    /** Below the API server's 1 MiB object limit (etcd's request limit is about 1.5 MiB), with room for metadata. */
    static final int MAX_BYTES = 900 * 1024;
    /** What a sealed payload may inflate to: far above any real cache, a bound all the same. */
    static final int MAX_INFLATED_BYTES = 64 * 1024 * 1024;
    /** Clocks of replicas and API server disagree a little; a list "fetched" further ahead than this is refused. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private FeedCache() {}

    /** A persisted list and the validators it came with, so the first fetch after a restart can be conditional. */
    public record Entry(FeedSourceState.Accepted list, FeedFetcher.Validators validators) {}

    /** Why a cache was not restored, as a metric label, with a message for the event. */
    public record Rejection(String reason, String message) {}

    /** The metric labels of {@link Rejection#reason()}. */
    public static final String UNSEALED = "unsealed";
    public static final String OTHER_SET = "other_set";
    public static final String FUTURE = "future";
    public static final String DAMAGED = "damaged";
    /** Sealed, but not the list the set's status names as last good for that source: an older cache put back. */
    public static final String REPLAYED = "replayed";
    public static final List<String> REJECTIONS = List.of(UNSEALED, OTHER_SET, FUTURE, DAMAGED, REPLAYED);

    /** What a cache gave: lists by {@link #key}, or the reason it was ignored whole. */
    public record Restored(Map<String, Entry> lists, Optional<Rejection> rejected) {
        static final Restored NONE = new Restored(Map.of(), Optional.empty());

        static Restored rejected(String reason, String message) {
            return new Restored(Map.of(), Optional.of(new Rejection(reason, message)));
        }
    }

    /** The ConfigMap's name: the set's, with a suffix (shortened with a hash when the name is long). */
    public static String name(IPSet set) {
        String name = set.getMetadata().getName() + "-feeds";
        if (name.length() <= 253) {
            return name;
        }
        return set.getMetadata().getName().substring(0, 236) + "-" + shortHash(set.getMetadata().getName())
                + "-feeds";
    }

    /** What to persist for these views, sealed: a ConfigMap, or empty when there is nothing good to keep. */
    public static Optional<Desired> desired(IPSet set, List<FeedRefresher.SourceView> views, FeedCacheSeal seal) {
        ArrayNode sources = JSON.createArrayNode();
        TreeMap<String, String> digests = new TreeMap<>();
        for (FeedRefresher.SourceView view : views) {
            Optional<FeedSourceState.Accepted> good = view.state().lastGood();
            if (good.isEmpty()) {
                continue;
            }
            FeedRequest request = view.plan().request();
            FeedContent content = good.get().content();
            FeedFetcher.Validators validators = view.state().validators();
            ObjectNode source = sources.addObject();
            source.put("key", key(request));
            source.put("name", request.name());
            source.put("digest", content.digest());
            source.put("fetchedAt", good.get().fetchedAt().toString());
            content.version().ifPresent(v -> source.put("version", v));
            content.timestamp().ifPresent(t -> source.put("timestamp", t));
            validators.etag().ifPresent(v -> source.put("etag", v));
            validators.lastModified().ifPresent(v -> source.put("lastModified", v));
            // One string, a prefix per line: a third of the bytes of a JSON array, before compression.
            StringBuilder lines = new StringBuilder(content.prefixes().size() * 18);
            content.prefixes().forEach(p -> lines.append(p).append('\n'));
            source.put("prefixes", lines.toString());
            digests.put(key(request), content.digest() + " " + validators.etag().orElse("") + " "
                    + validators.lastModified().orElse(""));
        }
        if (sources.isEmpty()) {
            return Optional.empty();
        }
        String uid = set.getMetadata().getUid();
        ObjectNode payload = JSON.createObjectNode();
        payload.put("set", uid);
        payload.set("sources", sources);
        byte[] compressed = gzip(payload.toString().getBytes(StandardCharsets.UTF_8));
        String encoded = Base64.getEncoder().encodeToString(compressed);
        String digestLines = String.join("\n", digests.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).toList());
        ConfigMap map = new ConfigMapBuilder()
                .withNewMetadata()
                    .withName(name(set))
                    .withNamespace(set.getMetadata().getNamespace())
                    .withLabels(Map.of(LABEL, "true"))
                    .withAnnotations(Map.of(DIGESTS_ANNOTATION, shortHash(digestLines),
                            SEAL_ANNOTATION, seal.seal(uid, compressed),
                            SET_UID_ANNOTATION, uid))
                    // No blockOwnerDeletion: nothing needs to wait for the cache, and it would need the
                    // ipsets/finalizers right where OwnerReferencesPermissionEnforcement is on.
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion(set.getApiVersion())
                            .withKind(set.getKind()).withName(set.getMetadata().getName())
                            .withUid(uid).withController(true).build())
                .endMetadata()
                .withBinaryData(Map.of(DATA_KEY, encoded))
                .build();
        return Optional.of(new Desired(map, encoded.length()));
    }

    /** A ConfigMap to write and its size in bytes (the base64 text the API server stores). */
    public record Desired(ConfigMap configMap, int bytes) {
        /** Whether it fits under {@link #MAX_BYTES}. */
        public boolean fits() {
            return bytes <= MAX_BYTES;
        }

        /**
         * Whether {@code current} already holds the same lists (same digests) under a seal, so nothing needs
         * writing. A cache someone else wrote over is written again, even with the same digest annotation.
         */
        public boolean sameAs(Optional<ConfigMap> current, IPSet set, FeedCacheSeal seal) {
            return current.filter(c -> c.getMetadata().getAnnotations() != null
                    && configMap.getMetadata().getAnnotations().get(DIGESTS_ANNOTATION)
                            .equals(c.getMetadata().getAnnotations().get(DIGESTS_ANNOTATION)))
                    .flatMap(FeedCache::sealedPayload)
                    .map(p -> seal.verifies(set.getMetadata().getUid(), p.compressed(), p.seal()))
                    .orElse(false);
        }
    }

    private record SealedPayload(byte[] compressed, String seal, String uid) {}

    private static Optional<SealedPayload> sealedPayload(ConfigMap cache) {
        Map<String, String> annotations = cache.getMetadata() == null ? null : cache.getMetadata().getAnnotations();
        String encoded = cache.getBinaryData() == null ? null : cache.getBinaryData().get(DATA_KEY);
        if (annotations == null || encoded == null || annotations.get(SEAL_ANNOTATION) == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SealedPayload(Base64.getDecoder().decode(encoded),
                    annotations.get(SEAL_ANNOTATION), annotations.getOrDefault(SET_UID_ANNOTATION, "")));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * The lists a cache holds for {@code set}, keyed by {@link #key}, or why it was ignored whole: not sealed by
     * {@code seal} for this set, sealed for another set, or a list fetched after {@code now} (beyond the clock
     * skew). An entry whose prefixes do not match its digest is left out: that source is fetched as if new. An
     * entry whose digest is not the one the set's status names for that source (by name) is left out too, and the
     * rejection ({@link #REPLAYED}) says which: the status is what the operator last published.
     */
    public static Restored read(Optional<ConfigMap> cache, IPSet set, FeedCacheSeal seal, Instant now) {
        if (cache.isEmpty()) {
            return Restored.NONE;
        }
        String uid = set.getMetadata().getUid();
        Optional<SealedPayload> sealed = sealedPayload(cache.get());
        if (sealed.isEmpty()) {
            return Restored.rejected(UNSEALED, "the feed cache " + cache.get().getMetadata().getName()
                    + " carries no sealed payload: not written by this operator; its lists are not restored");
        }
        SealedPayload payload = sealed.get();
        if (!seal.verifies(uid, payload.compressed(), payload.seal())) {
            if (!payload.uid().equals(uid) && seal.verifies(payload.uid(), payload.compressed(), payload.seal())) {
                return Restored.rejected(OTHER_SET, "the feed cache " + cache.get().getMetadata().getName()
                        + " was sealed for another IPSet (UID " + printable(payload.uid())
                        + "): a copy; its lists are not restored");
            }
            return Restored.rejected(UNSEALED, "the feed cache " + cache.get().getMetadata().getName()
                    + " does not carry the operator's seal: changed by someone else; its lists are not restored");
        }
        JsonNode root;
        try {
            root = JSON.readTree(gunzip(payload.compressed()));
        } catch (IOException | UncheckedIOException e) {
            return Restored.rejected(DAMAGED, "the feed cache " + cache.get().getMetadata().getName()
                    + " is sealed but does not read: " + e.getMessage());
        }
        if (root == null || !uid.equals(root.path("set").asText()) || !root.path("sources").isArray()) {
            return Restored.rejected(DAMAGED, "the feed cache " + cache.get().getMetadata().getName()
                    + " is sealed but not for this set's lists");
        }
        Map<String, Entry> lists = new HashMap<>();
        List<String> unbound = new ArrayList<>();
        for (JsonNode source : root.path("sources")) {
            Instant fetchedAt;
            try {
                fetchedAt = Instant.parse(source.path("fetchedAt").asText());
            } catch (RuntimeException e) {
                continue;
            }
            if (fetchedAt.isAfter(now.plus(CLOCK_SKEW))) {
                return Restored.rejected(FUTURE, "the feed cache " + cache.get().getMetadata().getName()
                        + " holds a list fetched at " + fetchedAt + ", after now (" + now
                        + "): a clock that went back; its lists are not restored");
            }
            try {
                List<Cidr> prefixes = new ArrayList<>();
                for (String line : source.path("prefixes").asText().split("\n")) {
                    if (!line.isEmpty()) {
                        prefixes.add(Cidr.parse(line));
                    }
                }
                FeedContent content = new FeedContent(prefixes.stream().sorted().distinct().toList(),
                        optional(source, "version"), optional(source, "timestamp"));
                if (prefixes.isEmpty() || !content.digest().equals(source.path("digest").asText())) {
                    continue;
                }
                String name = source.path("name").asText();
                if (!lastGoodInStatus(set, name, content.digest())) {
                    unbound.add(printable(name) + " (sealed " + content.digest().substring(0, Math.min(19,
                            content.digest().length())) + ", status " + statusDigest(set, name) + ")");
                    continue;
                }
                lists.put(source.path("key").asText(), new Entry(new FeedSourceState.Accepted(content, fetchedAt),
                        new FeedFetcher.Validators(optional(source, "etag"), optional(source, "lastModified"))));
            } catch (RuntimeException e) {
                // A damaged entry: fetch that source afresh.
            }
        }
        if (!unbound.isEmpty()) {
            return new Restored(lists, Optional.of(new Rejection(REPLAYED, "the feed cache "
                    + cache.get().getMetadata().getName() + " is sealed but holds lists the set's status does not name"
                    + " as last good: " + String.join(", ", unbound) + ": an older cache put back (or a status"
                    + " lost); those sources are fetched afresh")));
        }
        return new Restored(lists, Optional.empty());
    }

    /** Whether the set's status says {@code digest} is the last good list of the source named {@code name}. */
    private static boolean lastGoodInStatus(IPSet set, String name, String digest) {
        return set.getStatus() != null && set.getStatus().getSources() != null && set.getStatus().getSources()
                .stream().anyMatch(s -> name.equals(s.getName()) && digest.equals(s.getDigest()));
    }

    private static String statusDigest(IPSet set, String name) {
        if (set.getStatus() == null || set.getStatus().getSources() == null) {
            return "none";
        }
        return set.getStatus().getSources().stream().filter(s -> name.equals(s.getName()) && s.getDigest() != null)
                .map(s -> s.getDigest().substring(0, Math.min(19, s.getDigest().length()))).findFirst()
                .orElse("none");
    }

    /**
     * The key {@link #read} files a source's list under: its name, URL and format (two sources on one URL with
     * different selections are different lists).
     */
    public static String key(FeedRequest request) {
        return request.name() + " " + request.url() + " " + shortHash(request.format().toString());
    }

    /** A UID or source name from a ConfigMap anyone may write: only the characters those use, cut short. */
    private static String printable(String uid) {
        String kept = uid.replaceAll("[^A-Za-z0-9./,@_-]", "?");
        return kept.length() > 40 ? kept.substring(0, 40) + "..." : kept;
    }

    private static Optional<String> optional(JsonNode source, String field) {
        JsonNode value = source.get(field);
        return value == null || !value.isTextual() ? Optional.empty() : Optional.of(value.asText());
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] gunzip(byte[] data) throws IOException {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(data))) {
            byte[] inflated = in.readNBytes(MAX_INFLATED_BYTES + 1);
            if (inflated.length > MAX_INFLATED_BYTES) {
                throw new IOException("inflates past " + MAX_INFLATED_BYTES + " bytes");
            }
            return inflated;
        }
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
