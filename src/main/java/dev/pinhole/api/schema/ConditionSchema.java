package dev.pinhole.api.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Schema of a meta/v1 Condition, with the field descriptions Kubernetes gives them. */
public final class ConditionSchema {
    @JsonPropertyDescription("Condition type, e.g. Ready.")
    public String type;

    @JsonPropertyDescription("True, False or Unknown.")
    public String status;

    @JsonPropertyDescription("Machine-readable CamelCase reason for the last transition.")
    public String reason;

    @JsonPropertyDescription("Human-readable details of the last transition.")
    public String message;

    @JsonPropertyDescription("The metadata.generation the condition was set for.")
    public Long observedGeneration;

    @JsonPropertyDescription("When the status last changed (RFC 3339).")
    public String lastTransitionTime;

    private ConditionSchema() {
    }
}
