package dev.pinhole.api.schema;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Schema of a core/v1 Toleration, with the field descriptions Kubernetes gives them. */
public final class TolerationSchema {
    @JsonPropertyDescription("The taint key the toleration applies to. Empty matches all keys; then operator must be"
            + " Exists.")
    public String key;

    @JsonPropertyDescription("Exists (any value) or Equal (the taint's value equals value). Defaults to Equal.")
    public String operator;

    @JsonPropertyDescription("The taint value the toleration matches when operator is Equal; empty for Exists.")
    public String value;

    @JsonPropertyDescription("The taint effect to match: NoSchedule, PreferNoSchedule or NoExecute. Empty matches"
            + " all effects.")
    public String effect;

    @JsonPropertyDescription("For effect NoExecute: how long the pod stays bound after the taint appears. Unset:"
            + " forever.")
    public Long tolerationSeconds;

    private TolerationSchema() {
    }
}
