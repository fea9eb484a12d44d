package dev.pinhole.operator.appconnector;

import java.util.List;

/**
 * Maps a field of a child the operator writes back to the AppConnector field it was built from, so a refusal names
 * what the user wrote. A field that no spec field produces is named as the child's, prefixed with its kind.
 */
final class ChildFieldPaths {
    /** One rule: a child field prefix, and the spec field it comes from. */
    private record Rule(String kind, String childPrefix, String specField, boolean keepSuffix) {}

    private static final String POD = "spec.template.spec.";
    private static final List<Rule> RULES = List.of(
            new Rule("Deployment", POD + "tolerations", "spec.egress.natGateway.tolerations", true),
            new Rule("Deployment", POD + "affinity.nodeAffinity", "spec.egress.natGateway.nodeSelector", false),
            new Rule("Deployment", POD + "containers[0].resources", "spec.resources", true),
            new Rule("Deployment", "spec.replicas", "spec.replicas", true),
            new Rule("Deployment", "spec.template.metadata.labels", "metadata.name", false),
            new Rule("Deployment", "spec.selector", "metadata.name", false),
            new Rule("Service", "metadata.annotations", "spec.service.annotations", true),
            new Rule("Service", "spec.ports", "spec.tunnel.listenPort", false),
            new Rule("Service", "spec.type", "spec.service.type", false),
            new Rule(null, "metadata.labels", "metadata.name", false),
            new Rule(null, "metadata.name", "metadata.name", false));

    private ChildFieldPaths() {}

    static String specField(String kind, String childField) {
        if (childField == null || childField.isEmpty()) {
            return kind;
        }
        for (Rule rule : RULES) {
            if ((rule.kind() == null || rule.kind().equals(kind)) && childField.startsWith(rule.childPrefix())) {
                return rule.keepSuffix() ? rule.specField() + childField.substring(rule.childPrefix().length())
                        : rule.specField();
            }
        }
        return kind + " " + childField;
    }
}
