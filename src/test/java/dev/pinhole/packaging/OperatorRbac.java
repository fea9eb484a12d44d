package dev.pinhole.packaging;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The operator's permissions as decided for the project: the chart, deploy/ and docs must grant exactly these. */
final class OperatorRbac {

    private static final List<String> INFORMER = List.of("list", "watch");
    /**
     * Informer plus server-side apply: a PATCH, which the API server also authorizes as "create" when the object
     * does not exist yet.
     */
    private static final List<String> APPLIED = List.of("list", "watch", "create", "patch");

    /** Granted cluster-wide (all namespaces) or in each watched namespace; one entry per code path. */
    static final Set<Permission> NAMESPACED = union(
            // JOSDK's informers on the primaries and on each other's kind; no get, no write to a primary.
            Permission.grant("pinhole.dev", List.of("appconnectors", "ipsets"), INFORMER),
            // The Client informer AppConnectors admit from (ConnectorClients), and their status entries: a PUT with
            // the cached resourceVersion, so two connectors writing one Client retry instead of losing an entry.
            Permission.grant("pinhole.dev", List.of("clients"), INFORMER),
            Permission.grant("pinhole.dev", List.of("clients/status"), List.of("update")),
            // UpdateControl.patchStatus / ErrorStatusUpdateControl.patchStatus (server-side apply of the status).
            Permission.grant("pinhole.dev", List.of("appconnectors/status", "ipsets/status"), List.of("patch")),
            // Owner references with blockOwnerDeletion under OwnerReferencesPermissionEnforcement.
            Permission.grant("pinhole.dev", List.of("appconnectors/finalizers"), List.of("update")),
            // The key Secret: created once by ChildWriter.createIfAbsent, never written again.
            Permission.grant("", List.of("secrets"), List.of("list", "watch", "create")),
            Permission.grant("", List.of("configmaps", "services"), APPLIED),
            Permission.grant("apps", List.of("deployments"), APPLIED),
            Permission.grant("networking.k8s.io", List.of("networkpolicies"), APPLIED),
            // ChildWriter.deleteIfPresent when replicas drop to 1; other children go by garbage collection.
            Permission.grant("policy", List.of("poddisruptionbudgets"),
                    List.of("list", "watch", "create", "patch", "delete")),
            Permission.grant("", List.of("pods"), INFORMER),
            // Ownership of probed pods: Pod -> ReplicaSet -> Deployment by controller UID (podsToProbe).
            Permission.grant("apps", List.of("replicasets"), INFORMER),
            // EventRecorder: a new core/v1 Event each time.
            Permission.grant("", List.of("events"), List.of("create")));

    /**
     * Always cluster-wide: nodes and namespaces are cluster-scoped (the shared Node informer; the Namespace informer
     * for clientSources that select namespaces by label).
     */
    static final Set<Permission> CLUSTER = Permission.grant("", List.of("nodes", "namespaces"), INFORMER);

    /**
     * Only with leader election, in the operator's own namespace. Fabric8 renews the Lease with a JSON merge patch;
     * JOSDK refuses to start unless get, create and update are granted, so update is kept although never sent.
     */
    static final Set<Permission> LEADER_ELECTION = Permission.grant("coordination.k8s.io", List.of("leases"),
            List.of("get", "create", "update", "patch"));

    /**
     * Only when the operator's own namespace is not watched, there: the IPSet feed cache key Secret, read by a list
     * by name and created once (FeedCacheKeySecret). Otherwise the namespaced secrets grant covers it.
     */
    static final Set<Permission> FEED_CACHE_KEY = Permission.grant("", List.of("secrets"), List.of("list", "create"));

    /** Rights the operator once had and never used: the chart and deploy/ must not grant them again. */
    static final Set<Permission> UNUSED = union(
            Permission.grant("pinhole.dev", List.of("appconnectors", "ipsets"), List.of("get", "patch", "update")),
            Permission.grant("pinhole.dev", List.of("ipsets/finalizers"), List.of("update")),
            Permission.grant("", List.of("secrets"), List.of("get", "patch", "update", "delete")),
            Permission.grant("apps", List.of("deployments"), List.of("get", "update", "delete")),
            Permission.grant("", List.of("events"), List.of("patch")),
            Permission.grant("events.k8s.io", List.of("events"), List.of("create", "patch")),
            Permission.grant("", List.of("nodes"), List.of("get")));

    private OperatorRbac() {
    }

    @SafeVarargs
    static Set<Permission> union(Set<Permission>... sets) {
        Set<Permission> all = new LinkedHashSet<>();
        for (Set<Permission> set : sets) {
            all.addAll(set);
        }
        return Set.copyOf(all);
    }
}
