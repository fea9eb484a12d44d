package dev.pinhole.operator.ipset;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.IPSet;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which IPSets an AppConnector event can change: the sets whose {@code appConnectors} selector matches the connector
 * now, or matched it before a label change, and the sets including those.
 *
 * <p>Recomputing every selecting set on each connector event cost 62 reconciles per new connector at 1,000
 * connectors in 4 namespaces (61,358 IPSet reconciles in a scale run where the connectors arrived slowly). A set
 * can only change when the connector is, or was, one of its members, so only those sets are recomputed. The
 * labels before an update are only known to the update filter, which hands them to the mapper that runs next.
 */
final class SelectingSets {
    private final Map<ResourceID, Map<String, String>> labelsBeforeUpdate = new ConcurrentHashMap<>();

    /**
     * The update filter: whether the update touched what a set is made of (labels, elastic IP); if so, the
     * labels before it are kept for {@link #affected}.
     */
    boolean acceptUpdate(AppConnector updated, AppConnector previous) {
        if (!resolutionInputsChanged(updated, previous)) {
            return false;
        }
        labelsBeforeUpdate.put(ResourceID.fromResource(updated), labels(previous));
        return true;
    }

    /** The mapper: names of the sets in {@code sets} (one namespace) to recompute after this connector event. */
    Set<String> affected(List<IPSet> sets, AppConnector changed) {
        Map<String, String> now = labels(changed);
        Map<String, String> before = labelsBeforeUpdate.remove(ResourceID.fromResource(changed));
        return IpSetDependents.affected(sets, s -> s.getSpec() != null && s.getSpec().getAppConnectors() != null
                && (LabelSelectorMatch.matches(s.getSpec().getAppConnectors(), now)
                || before != null && LabelSelectorMatch.matches(s.getSpec().getAppConnectors(), before)));
    }

    /** Whether the update touched what {@link IpSetResolver} reads of a connector: its labels and elastic IP. */
    static boolean resolutionInputsChanged(AppConnector updated, AppConnector previous) {
        return !Objects.equals(updated.getMetadata().getLabels(), previous.getMetadata().getLabels())
                || !Objects.equals(elasticIp(updated), elasticIp(previous));
    }

    private static String elasticIp(AppConnector c) {
        return c.getSpec() == null || c.getSpec().getEgress() == null ? null : c.getSpec().getEgress().getElasticIP();
    }

    private static Map<String, String> labels(AppConnector c) {
        return c.getMetadata().getLabels() == null ? Map.of() : c.getMetadata().getLabels();
    }
}
