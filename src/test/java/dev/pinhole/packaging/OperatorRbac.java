package dev.pinhole.packaging;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The operator's permissions as decided for the project: the chart, deploy/ and docs must grant exactly these. */
final class OperatorRbac {

    private static final List<String> READ = List.of("get", "list", "watch");
    private static final List<String> MANAGE = List.of("get", "list", "watch", "create", "patch", "update", "delete");

    /** Granted cluster-wide (all namespaces) or in each watched namespace. */
    static final Set<Permission> NAMESPACED = union(
            Permission.grant("pinhole.dev", List.of("appconnectors", "ipsets"),
                    List.of("get", "list", "watch", "patch", "update")),
            Permission.grant("pinhole.dev", List.of("appconnectors/status", "ipsets/status"),
                    List.of("get", "patch", "update")),
            Permission.grant("pinhole.dev", List.of("appconnectors/finalizers", "ipsets/finalizers"),
                    List.of("update")),
            Permission.grant("", List.of("secrets", "configmaps", "services"), MANAGE),
            Permission.grant("", List.of("pods"), READ),
            Permission.grant("", List.of("events"), List.of("create", "patch")),
            Permission.grant("events.k8s.io", List.of("events"), List.of("create", "patch")),
            Permission.grant("apps", List.of("deployments"), MANAGE),
            Permission.grant("policy", List.of("poddisruptionbudgets"), MANAGE),
            Permission.grant("networking.k8s.io", List.of("networkpolicies"), MANAGE));

    /** Always cluster-wide: nodes are cluster-scoped. */
    static final Set<Permission> CLUSTER = Permission.grant("", List.of("nodes"), READ);

    /** Only with leader election, in the operator's own namespace. */
    static final Set<Permission> LEADER_ELECTION =
            Permission.grant("coordination.k8s.io", List.of("leases"), List.of("get", "create", "update"));

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
