package dev.pinhole.api.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Map;

/** Schema of a meta/v1 LabelSelector, with the field descriptions Kubernetes gives them. */
public final class LabelSelectorSchema {
    @JsonPropertyDescription("Labels an object must carry, each with exactly this value (ANDed with"
            + " matchExpressions).")
    public Map<String, String> matchLabels;

    @JsonPropertyDescription("Label requirements, all of which must hold (ANDed with matchLabels).")
    public List<Requirement> matchExpressions;

    private LabelSelectorSchema() {
    }

    /** Schema of a meta/v1 LabelSelectorRequirement. */
    public static final class Requirement {
        @JsonPropertyDescription("The label key the requirement applies to.")
        public String key;

        @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
        public String operator;

        @JsonPropertyDescription("Values for In and NotIn (non-empty); must be empty for Exists and DoesNotExist.")
        public List<String> values;

        private Requirement() {
        }
    }
}
