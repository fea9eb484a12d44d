package dev.pinhole.operator.ipset;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Evaluates a Kubernetes LabelSelector against a label map, with the API server's semantics. Never throws: it runs
 * inside informer event handlers, where one malformed selector (stored before the CRD refused it) used to fail every
 * AppConnector event of its namespace. A selector {@link #problem} refuses matches nothing.
 */
public final class LabelSelectorMatch {
    private static final Set<String> WITH_VALUES = Set.of("In", "NotIn");
    private static final Set<String> WITHOUT_VALUES = Set.of("Exists", "DoesNotExist");

    private LabelSelectorMatch() {}

    /** An empty selector matches everything; a null or malformed selector matches nothing. */
    public static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null || problem(selector, "").isPresent()) {
            return false;
        }
        Map<String, String> actual = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null) {
            for (var e : selector.getMatchLabels().entrySet()) {
                if (!Objects.equals(e.getValue(), actual.get(e.getKey()))) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                if (!matches(r, actual)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * What makes {@code selector} unusable, naming the field under {@code field} (e.g. {@code spec.appConnectors}),
     * the value and what is expected; empty when it is well-formed.
     */
    public static Optional<String> problem(LabelSelector selector, String field) {
        if (selector == null || selector.getMatchExpressions() == null) {
            return Optional.empty();
        }
        List<LabelSelectorRequirement> requirements = selector.getMatchExpressions();
        for (int i = 0; i < requirements.size(); i++) {
            LabelSelectorRequirement r = requirements.get(i);
            String at = field + ".matchExpressions[" + i + "]";
            if (r == null) {
                return Optional.of(at + ": empty requirement: expected key and operator");
            }
            if (r.getKey() == null || r.getKey().isEmpty()) {
                return Optional.of(at + ".key: missing: expected a label key");
            }
            String operator = r.getOperator();
            int values = r.getValues() == null ? 0 : r.getValues().size();
            if (operator == null) {
                return Optional.of(at + ".operator: missing: expected In, NotIn, Exists or DoesNotExist");
            }
            if (WITH_VALUES.contains(operator)) {
                if (values == 0) {
                    return Optional.of(at + ".values: empty: operator " + operator + " needs at least one value");
                }
            } else if (WITHOUT_VALUES.contains(operator)) {
                if (values > 0) {
                    return Optional.of(at + ".values: operator " + operator + " takes no values");
                }
            } else {
                return Optional.of(at + ".operator: \"" + operator
                        + "\": expected In, NotIn, Exists or DoesNotExist");
            }
        }
        return Optional.empty();
    }

    private static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        String value = labels.get(r.getKey());
        return switch (r.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> labels.containsKey(r.getKey());
            default -> !labels.containsKey(r.getKey());  // DoesNotExist; problem() refused every other operator
        };
    }
}
