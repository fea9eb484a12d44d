package dev.pinhole.operator.ipset;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.operator.ItemStoreWithoutManagedFields;

/**
 * An AppConnector as the IPSet controller caches it: what makes a connector a member of a set, nothing else.
 *
 * <p>The AppConnector controller's own informer holds every connector whole; this second cache of the same objects
 * held them whole too (docs/scale.md, "Peak RSS"). Its readers need: {@code metadata} (name and namespace for the
 * mapper and the resolver's messages, labels for {@link LabelSelectorMatch}, without managed fields) and
 * {@code spec.egress.elasticIP}, the address a selecting set publishes ({@link IpSetResolver},
 * {@link SelectingSets#resolutionInputsChanged}). The rest of the spec and the status go.
 */
final class CachedConnector {
    private CachedConnector() {}

    /** In place: the informer hands each deserialised object to its store once. */
    static AppConnector keepMembership(AppConnector connector) {
        ItemStoreWithoutManagedFields.strip(connector);
        AppConnectorSpec spec = connector.getSpec();
        AppConnectorSpec kept = null;
        if (spec != null) {
            kept = new AppConnectorSpec();
            if (spec.getEgress() != null) {
                AppConnectorSpec.Egress egress = new AppConnectorSpec.Egress();
                egress.setElasticIP(spec.getEgress().getElasticIP());
                kept.setEgress(egress);
            }
        }
        connector.setSpec(kept);
        connector.setStatus(null);
        return connector;
    }
}
