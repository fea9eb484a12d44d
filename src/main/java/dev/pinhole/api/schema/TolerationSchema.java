package dev.pinhole.api.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Schema of a core/v1 Toleration, with the field descriptions Kubernetes gives them, and the rules the Deployment's
 * validation would apply, so a bad toleration is refused at the AppConnector naming its field rather than later at
 * the Deployment naming the Deployment's.
 */
@ValidationRule(value = "!has(self.operator) || self.operator in ['', 'Exists', 'Equal']",
        messageExpression = "'operator ' + self.operator + ': expected Exists or Equal'", fieldPath = ".operator")
@ValidationRule(value = "!has(self.effect) || self.effect in ['', 'NoSchedule', 'PreferNoSchedule', 'NoExecute']",
        messageExpression = "'effect ' + self.effect + ': expected NoSchedule, PreferNoSchedule or NoExecute (or"
                + " empty for all)'", fieldPath = ".effect")
@ValidationRule(value = "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''",
        message = "operator Exists takes no value", fieldPath = ".value")
@ValidationRule(value = "(has(self.key) && self.key != '') || (has(self.operator) && self.operator == 'Exists')",
        message = "an empty key matches every taint and needs operator Exists", fieldPath = ".operator")
@ValidationRule(value = "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')",
        message = "tolerationSeconds needs effect NoExecute", fieldPath = ".tolerationSeconds")
public final class TolerationSchema {
    @Size(max = 317)
    @JsonPropertyDescription("The taint key the toleration applies to. Empty matches all keys; then operator must be"
            + " Exists.")
    public String key;

    @Size(max = 16)
    @JsonPropertyDescription("Exists (any value) or Equal (the taint's value equals value). Defaults to Equal.")
    public String operator;

    @Size(max = 63)
    @JsonPropertyDescription("The taint value the toleration matches when operator is Equal; empty for Exists.")
    public String value;

    @Size(max = 16)
    @JsonPropertyDescription("The taint effect to match: NoSchedule, PreferNoSchedule or NoExecute. Empty matches"
            + " all effects.")
    public String effect;

    @JsonPropertyDescription("For effect NoExecute: how long the pod stays bound after the taint appears. Unset:"
            + " forever.")
    public Long tolerationSeconds;

    private TolerationSchema() {
    }
}
