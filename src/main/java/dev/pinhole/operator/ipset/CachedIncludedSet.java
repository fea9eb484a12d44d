package dev.pinhole.operator.ipset;

import dev.pinhole.api.IPSet;
import dev.pinhole.operator.ItemStoreWithoutManagedFields;

/**
 * An IPSet as the IPSet controller's include source caches it: metadata and spec, no status.
 *
 * <p>The same sets are in the controller's primary cache, whole; this source exists only to map a changed set to
 * the sets including it, and its only reader of cached objects is the update filter comparing specs (resolution
 * reads includes from the primary cache). The status, the published CIDR list and the feed reports that make up
 * most of a resolved set, was held a second time for nothing (docs/scale.md, "Peak RSS").
 */
final class CachedIncludedSet {
    private CachedIncludedSet() {}

    /** In place: the informer hands each deserialised object to its store once. */
    static IPSet keepSpec(IPSet set) {
        ItemStoreWithoutManagedFields.strip(set);
        set.setStatus(null);
        return set;
    }
}
