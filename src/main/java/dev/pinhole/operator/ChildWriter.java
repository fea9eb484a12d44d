package dev.pinhole.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiPredicate;

/**
 * Writes an owned child: stamps the controller owner reference and applies it server-side (field manager
 * {@value #FIELD_MANAGER}), unless the cached copy already matches, so a quiet cluster sees no writes. The
 * {@code update} mode (create-or-replace) exists only for the in-JVM mock API server, which rejects apply patches.
 */
public final class ChildWriter {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ChildWriter.class);
    public static final String FIELD_MANAGER = "pinhole-operator";
    /**
     * Hash of the desired object as last applied. Defaulted fields make a live object differ from what was
     * applied, so "unchanged" is decided on this hash plus a per-kind check of the fields that matter most.
     */
    public static final String ANNOTATION_DESIRED_HASH = "pinhole.dev/desired-hash";

    /** How children are written. */
    public enum Mode { SERVER_SIDE_APPLY, UPDATE }

    private final Mode mode;

    public ChildWriter(Mode mode) {
        this.mode = mode;
    }

    /**
     * Applies {@code desired} unless {@code current} already satisfies it per {@code matches}.
     *
     * @return the object as the API server returned it when a write was sent (with what it allocated, such as a
     *         Service's node port, before the informer has seen it); empty when the cached copy already matched
     */
    public <R extends HasMetadata> Optional<R> apply(Context<?> context, HasMetadata owner, R desired,
                                                     Optional<R> current, BiPredicate<R, R> matches) {
        desired.getMetadata().setOwnerReferences(List.of(controllerReference(owner)));
        String hash = desiredHash(desired);
        java.util.Map<String, String> annotations = new java.util.LinkedHashMap<>();
        if (desired.getMetadata().getAnnotations() != null) {
            annotations.putAll(desired.getMetadata().getAnnotations());
        }
        annotations.put(ANNOTATION_DESIRED_HASH, hash);
        desired.getMetadata().setAnnotations(annotations);
        if (current.isPresent() && ownedBy(current.get(), owner)
                && hash.equals(annotation(current.get(), ANNOTATION_DESIRED_HASH))
                && matches.test(desired, current.get())) {
            return Optional.empty();
        }
        if (LOG.isDebugEnabled()) {
            LOG.debugf("applying %s %s/%s: %s %s", desired.getKind(), desired.getMetadata().getNamespace(),
                    desired.getMetadata().getName(), current.isEmpty() ? "absent"
                            : !ownedBy(current.get(), owner) ? "not owned"
                            : !hash.equals(annotation(current.get(), ANNOTATION_DESIRED_HASH))
                                    ? "desired changed (" + annotation(current.get(), ANNOTATION_DESIRED_HASH)
                                            + " -> " + hash + ")"
                                    : "live object drifted", io.fabric8.kubernetes.client.utils.Serialization.asJson(desired));
        }
        return Optional.ofNullable(write(context, desired, current));
    }

    /**
     * Writes {@code desired} as it is (its owner references and annotations are the caller's), through its event
     * source's cache: server-side applied, or created or replaced in update mode.
     */
    public <R extends HasMetadata> R write(Context<?> context, R desired, Optional<R> current) {
        var client = context.getClient();
        java.util.function.UnaryOperator<R> write;
        if (mode == Mode.SERVER_SIDE_APPLY) {
            desired.getMetadata().setManagedFields(null);
            desired.getMetadata().setResourceVersion(null);
            write = r -> client.resource(r).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        } else if (current.isPresent()) {
            // Unconditional replace: the informer copy may lag; the operator owns these objects wholesale.
            desired.getMetadata().setResourceVersion(null);
            write = r -> client.resource(r).update();
        } else {
            write = r -> client.resource(r).create();
        }
        return writeThroughCache(context, desired, write);
    }

    /**
     * Sends the write through the child's event source: the result goes into its cache at once, and the watch event
     * of this very write does not trigger another reconcile. Without it, every child written re-ran the owner's
     * reconcile, and a reconcile that ran before the informer had caught up saw the child missing and wrote it again.
     */
    private static <R extends HasMetadata> R writeThroughCache(Context<?> context, R desired,
                                                               java.util.function.UnaryOperator<R> write) {
        return context.resourceOperations().resourcePatch(desired, write);
    }

    /** Creates {@code desired} only if absent; never touches an existing object (used for the key Secret). */
    public <R extends HasMetadata> R createIfAbsent(Context<?> context, HasMetadata owner, R desired,
                                                    Optional<R> current) {
        if (current.isPresent()) {
            return current.get();
        }
        desired.getMetadata().setOwnerReferences(List.of(controllerReference(owner)));
        return writeThroughCache(context, desired, r -> context.getClient().resource(r).create());
    }

    /** Deletes a child that should no longer exist (e.g. the PDB when replicas drop to 1). */
    public boolean deleteIfPresent(Context<?> context, Optional<? extends HasMetadata> current) {
        if (current.isEmpty()) {
            return false;
        }
        context.getClient().resource(current.get()).delete();
        return true;
    }

    static String desiredHash(HasMetadata desired) {
        String json = io.fabric8.kubernetes.client.utils.Serialization.asJson(desired);
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String annotation(HasMetadata object, String key) {
        return object.getMetadata().getAnnotations() == null ? null : object.getMetadata().getAnnotations().get(key);
    }

    public static boolean ownedBy(HasMetadata child, HasMetadata owner) {
        return child.getMetadata().getOwnerReferences() != null && child.getMetadata().getOwnerReferences().stream()
                .anyMatch(r -> Objects.equals(r.getUid(), owner.getMetadata().getUid())
                        && Boolean.TRUE.equals(r.getController()));
    }

    public static OwnerReference controllerReference(HasMetadata owner) {
        return new OwnerReferenceBuilder()
                .withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind())
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build();
    }
}
