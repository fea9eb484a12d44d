package dev.pinhole.api.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** Schema of a meta/v1 LabelSelector, with the field descriptions Kubernetes gives them. */
public final class LabelSelectorSchema {
    @JsonPropertyDescription("Labels an object must carry, each with exactly this value (ANDed with"
            + " matchExpressions).")
    @Size(max = 64)
    public Map<String, String> matchLabels;

    @JsonPropertyDescription("Label requirements, all of which must hold (ANDed with matchLabels).")
    @Size(max = 64)
    public List<Requirement> matchExpressions;

    private LabelSelectorSchema() {
    }

    /** The operators of a meta/v1 LabelSelectorRequirement. */
    public enum Operator { In, NotIn, Exists, DoesNotExist }

    /** Schema of a meta/v1 LabelSelectorRequirement. */
    @ValidationRule(value = "!has(self.operator) || !(self.operator in ['In', 'NotIn', 'Exists', 'DoesNotExist'])"
            + " || (self.operator in ['In', 'NotIn']"
            + " ? (has(self.values) && size(self.values) > 0) : (!has(self.values) || size(self.values) == 0))",
            messageExpression = "'operator ' + self.operator + (self.operator in ['In', 'NotIn']"
                    + " ? ' needs at least one value' : ' takes no values')", fieldPath = ".values")
    public static final class Requirement {
        @Required
        @Size(min = 1, max = 317)
        @JsonPropertyDescription("The label key the requirement applies to.")
        public String key;

        @Required
        @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
        public Operator operator;

        @Size(max = 64)
        @JsonPropertyDescription("Values for In and NotIn (non-empty); must be empty for Exists and DoesNotExist.")
        public List<@Size(max = 63) String> values;

        private Requirement() {
        }
    }
}
