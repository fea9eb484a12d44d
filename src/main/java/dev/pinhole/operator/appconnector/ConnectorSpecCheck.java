package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.connector.config.ConfigCheck;
import dev.pinhole.connector.config.ConfigProblem;
import dev.pinhole.connector.config.ConnectorConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * What the CRD's schema and CEL rules cannot check about an AppConnector spec. Runs the connector's own config
 * check on the spec rendered as-is (static routes unmerged, so indexes match) and names fields as spec paths.
 */
public final class ConnectorSpecCheck {
    private static final java.util.regex.Pattern LABEL_KEY = java.util.regex.Pattern.compile(
            "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                    + "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");
    private static final java.util.regex.Pattern LABEL_VALUE = java.util.regex.Pattern.compile(
            "^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$");

    /** A rendered access rule's route: its CIDRs and IPSets merged, so the index names no spec entry. */
    private static final java.util.regex.Pattern ACCESS_ROUTE =
            java.util.regex.Pattern.compile("access\\[\\d+\\]\\.routes\\[\\d+\\]");

    private ConnectorSpecCheck() {}

    public static List<ConfigProblem> check(AppConnectorSpec spec) {
        if (spec.getEgress() == null || spec.getEgress().getElasticIP() == null) {
            return List.of(new ConfigProblem("spec.egress.elasticIP", null, "required"));
        }
        List<ConfigProblem> problems = new ArrayList<>();
        if (spec.getReplicas() != null && spec.getReplicas() < 0) {
            problems.add(new ConfigProblem("spec.replicas", String.valueOf(spec.getReplicas()), "must be >= 0"));
        }
        AppConnectorSpec.NatGateway natGateway = spec.getEgress().getNatGateway();
        boolean anyNode = natGateway != null && Boolean.TRUE.equals(natGateway.getAnyNode());
        if (!anyNode && (natGateway == null || natGateway.getNodeSelector() == null
                || natGateway.getNodeSelector().isEmpty())) {
            // Also refused by the CRD; objects stored before that rule still get here.
            problems.add(new ConfigProblem("spec.egress.natGateway.nodeSelector", null, "empty: connector pods would"
                    + " run on any node; name the NAT-gateway nodes' labels or set natGateway.anyNode: true"));
        }
        if (natGateway != null && natGateway.getNodeSelector() != null) {
            // Checked here, not by the Deployment: the selector also picks the node addresses rendered into the
            // config, so a selector the API server would refuse must stop before the config is written.
            natGateway.getNodeSelector().forEach((k, v) -> {
                if (k == null || !LABEL_KEY.matcher(k).matches()) {
                    problems.add(new ConfigProblem("spec.egress.natGateway.nodeSelector", k,
                            "not a label key (an optional DNS prefix and '/', then at most 63 letters, digits, '-',"
                                    + " '_', '.')"));
                } else if (v == null || !LABEL_VALUE.matcher(v).matches()) {
                    problems.add(new ConfigProblem("spec.egress.natGateway.nodeSelector[" + k + "]", v,
                            "not a label value (at most 63 letters, digits, '-', '_', '.')"));
                }
            });
        }
        if (anyNode && spec.getEgress().getVerify() == null) {
            problems.add(new ConfigProblem("spec.egress.natGateway.anyNode", "true", "requires spec.egress.verify"));
        }
        AppConnector probe = new AppConnector();
        probe.getMetadata().setName("spec-check");
        probe.setSpec(spec);
        List<String> routes = spec.getRoutes() == null || spec.getRoutes().getCidrs() == null
                ? List.of() : spec.getRoutes().getCidrs();
        // Access rules are checked on the rendered config, once their IPSets are resolved (checkRendered).
        problems.addAll(ConfigCheck.check(ConnectorConfigRenderer.render(probe, routes).withAccess(null),
                ConnectorSpecCheck::specField));
        problems.addAll(accessIpSetProblems(spec));
        return problems;
    }

    /** An access rule may grant only an IPSet that spec.routes.ipSets names (a part of what is forwarded). */
    private static List<ConfigProblem> accessIpSetProblems(AppConnectorSpec spec) {
        List<ConfigProblem> problems = new ArrayList<>();
        List<AppConnectorSpec.AccessRule> rules = spec.getAccess() == null ? List.of() : spec.getAccess();
        java.util.Set<String> routed = new java.util.HashSet<>();
        if (spec.getRoutes() != null && spec.getRoutes().getIpSets() != null) {
            spec.getRoutes().getIpSets().forEach(s -> routed.add(s.getName()));
        }
        for (int r = 0; r < rules.size(); r++) {
            AppConnectorSpec.AccessRoutes routes = rules.get(r).getRoutes();
            List<dev.pinhole.api.ObjectReference> sets = routes == null || routes.getIpSets() == null ? List.of()
                    : routes.getIpSets();
            for (int i = 0; i < sets.size(); i++) {
                if (!routed.contains(sets.get(i).getName())) {
                    problems.add(new ConfigProblem("spec.access[" + r + "].routes.ipSets[" + i + "]",
                            sets.get(i).getName(), "not one of spec.routes.ipSets: a rule can only grant what the"
                            + " connector forwards"));
                }
            }
        }
        return problems;
    }

    /**
     * The connector's check on the exact config about to be rendered (routes merged with the IPSets'): the last
     * guard, so the operator never writes a config the connector would refuse, whatever the steps before missed.
     */
    public static List<ConfigProblem> checkRendered(ConnectorConfig config) {
        return ConfigCheck.check(config, f -> f.startsWith("routes[") ? "spec.routes (with spec.routes.ipSets)"
                : ACCESS_ROUTE.matcher(f).matches() ? "spec." + f.substring(0, f.indexOf(".routes[") + 7)
                        + " (cidrs with ipSets)"
                : specField(f));
    }

    /** Checks the merged route list (literal CIDRs and resolved IPSets); fields name the route, not an index. */
    public static List<ConfigProblem> checkRoutes(AppConnectorSpec spec, List<String> mergedRoutes) {
        AppConnectorSpec.WireGuardInterface t = ConnectorConfigRenderer.wireGuardInterface(spec);
        return ConfigCheck.checkRoutes(
                new ConnectorConfig.WireGuardInterface(t.getAddress(), t.getListenPort(), t.getMtu(), t.getAppRange()),
                mergedRoutes,
                f -> f.startsWith("routes[") ? "spec.routes (with spec.routes.ipSets)" : specField(f));
    }

    private static String specField(String configField) {
        if (configField.startsWith("routes[")) {
            return "spec.routes.cidrs" + configField.substring("routes".length());
        }
        if (configField.equals("egress.verifyUrl")) {
            return "spec.egress.verify.url";
        }
        return "spec." + configField;
    }
}
