package dev.pinhole.operator.appconnector;

import dev.pinhole.api.IPSet;
import dev.pinhole.operator.ItemStoreWithoutManagedFields;

/**
 * An IPSet as the AppConnector controller caches it: what it publishes, not what it is made of.
 *
 * <p>A connector routes through the sets it names by reading their published result only
 * ({@code resolveIpSetRoutes}, {@link IpSetReadiness}): {@code metadata} (name, namespace, and generation, to tell
 * whether the status is current), {@code status.observedGeneration}, {@code status.cidrs} and
 * {@code status.conditions}. The spec (addresses, includes, sources) and the per-source reports are the IPSet
 * controller's business and are held whole in its own cache (docs/scale.md, "Peak RSS").
 */
final class CachedRouteSet {
    private CachedRouteSet() {}

    /** In place: the informer hands each deserialised object to its store once. */
    static IPSet keepPublished(IPSet set) {
        ItemStoreWithoutManagedFields.strip(set);
        set.setSpec(null);
        if (set.getStatus() != null) {
            set.getStatus().setSources(null);
        }
        return set;
    }
}
