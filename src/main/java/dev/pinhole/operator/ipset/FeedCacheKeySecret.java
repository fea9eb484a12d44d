package dev.pinhole.operator.ipset;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Where the feed cache key lives: a Secret in the operator's own namespace (no namespace user can read or write
 * it), created with a random key on first use and never rewritten, so every replica and every restart seals and
 * checks with the same key. Loaded once per process; a failure is retried on the next call.
 *
 * <p>Read with a list by name, not a get: watching all namespaces, the operator's secrets rights (list, watch,
 * create; never get) already cover its own namespace, so the key needs no right of its own; the chart adds a Role
 * with those two verbs in the operator's namespace only when that namespace is not watched.
 *
 * <p>A read that fails is not "no key": nothing is created or generated then (a new key would make every cache
 * unsealed), and the sets with sources wait ({@link SourceLists#waitingForKey()}) until a read succeeds. A key is
 * created only when a list that succeeded found no Secret.
 */
public final class FeedCacheKeySecret {
    /** The Secret's name. */
    public static final String NAME = "pinhole-feed-cache-key";
    static final String DATA_KEY = "key";
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(FeedCacheKeySecret.class);

    private final Optional<String> namespace;
    private volatile FeedCacheSeal seal;

    /** {@code namespace}: the operator's (POD_NAMESPACE); empty: a per-process key, so no cache survives. */
    public FeedCacheKeySecret(Optional<String> namespace) {
        this.namespace = namespace;
    }

    /** The seal, reading or creating the Secret the first time; empty while the API refuses (retried later). */
    public Optional<FeedCacheSeal> seal(KubernetesClient client) {
        FeedCacheSeal known = seal;
        if (known != null) {
            return Optional.of(known);
        }
        synchronized (this) {
            if (seal == null) {
                if (namespace.isEmpty()) {
                    LOG.warn("POD_NAMESPACE is not set: IPSet feed caches are sealed with a per-process key, so a"
                            + " restarted operator fetches every source afresh instead of restoring its list");
                    seal = FeedCacheSeal.ephemeral();
                } else {
                    try {
                        seal = new FeedCacheSeal(load(client, namespace.get()));
                    } catch (KubernetesClientException | IllegalArgumentException e) {
                        LOG.warnf("the feed cache key Secret %s/%s is unavailable (%s): caches are neither restored"
                                + " nor written until it is", namespace.get(), NAME, e.getMessage());
                        return Optional.empty();
                    }
                }
            }
            return Optional.of(seal);
        }
    }

    private static Secret find(KubernetesClient client, String namespace) {
        return client.secrets().inNamespace(namespace).withField("metadata.name", NAME).list().getItems().stream()
                .findFirst().orElse(null);
    }

    private static byte[] load(KubernetesClient client, String namespace) {
        Secret existing = find(client, namespace);
        if (existing == null) {
            Secret created = new SecretBuilder().withNewMetadata().withName(NAME).withNamespace(namespace)
                    .withLabels(Map.of("app.kubernetes.io/part-of", "pinhole")).endMetadata()
                    .withType("Opaque")
                    .withData(Map.of(DATA_KEY, Base64.getEncoder().encodeToString(FeedCacheSeal.newKey())))
                    .build();
            try {
                existing = client.secrets().inNamespace(namespace).resource(created).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // Another replica created it first: use theirs.
                existing = find(client, namespace);
            }
        }
        String encoded = existing == null || existing.getData() == null ? null : existing.getData().get(DATA_KEY);
        if (encoded == null) {
            throw new IllegalArgumentException("it has no data key \"" + DATA_KEY + "\"");
        }
        return Base64.getDecoder().decode(encoded);
    }
}
