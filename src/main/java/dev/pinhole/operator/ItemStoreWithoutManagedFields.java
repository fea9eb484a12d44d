package dev.pinhole.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;

/**
 * An informer cache that keeps objects without {@code metadata.managedFields}.
 *
 * <p>The operator decides "unchanged" from its own desired-hash annotation and per-kind field checks, never from
 * managed fields, yet those nested maps were the larger part of every cached object: at 1,000 AppConnectors they
 * held about 60 % of the live heap (bench/scale.sh, {@code jmap -histo:live}). Server-side apply needs nothing from
 * the cached copy, so dropping them only saves memory.
 */
public class ItemStoreWithoutManagedFields<R extends HasMetadata> extends TransformingItemStore<R> {
    public ItemStoreWithoutManagedFields() {
        super(ItemStoreWithoutManagedFields::strip);
    }

    /** Drops the object's managed fields in place (informers hand each deserialised object to the store once). */
    public static <R extends HasMetadata> R strip(R object) {
        if (object.getMetadata() != null) {
            object.getMetadata().setManagedFields(null);
        }
        return object;
    }
}
