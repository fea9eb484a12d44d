package dev.pinhole.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pinhole.api.schema.ConditionSchema;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Observed state of an IPSet: the allowlist to publish, or why there is none. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IPSetStatus implements HasConditions {
    @JsonPropertyDescription("The generation of the spec this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Minimal, sorted, merged CIDR list (IPv4 first): paste this into the allowlist."
            + " Empty while the set is not Ready.")
    private List<String> cidrs = new ArrayList<>();

    @JsonPropertyDescription("Number of CIDRs in cidrs.")
    private Integer cidrCount;

    @JsonPropertyDescription("Number of addresses covered, in decimal (IPv6 sets can exceed 64 bits).")
    private String addressCount;

    @JsonPropertyDescription("One entry per fetched feed of spec.sources (a preset may fetch more than one).")
    private List<IPSetSourceStatus> sources;

    @JsonPropertyDescription("Ready and Invalid conditions; Stale when the set has sources.")
    @SchemaFrom(type = ConditionSchema[].class)
    private List<Condition> conditions = new ArrayList<>();

    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public List<String> getCidrs() { return cidrs; }
    public void setCidrs(List<String> cidrs) { this.cidrs = cidrs; }
    public Integer getCidrCount() { return cidrCount; }
    public void setCidrCount(Integer cidrCount) { this.cidrCount = cidrCount; }
    public String getAddressCount() { return addressCount; }
    public void setAddressCount(String addressCount) { this.addressCount = addressCount; }
    public List<IPSetSourceStatus> getSources() { return sources; }
    public void setSources(List<IPSetSourceStatus> sources) { this.sources = sources; }
    @Override
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }

    @Override
    public boolean equals(Object o) {
        return o instanceof IPSetStatus s
                && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(cidrs, s.cidrs)
                && Objects.equals(cidrCount, s.cidrCount)
                && Objects.equals(addressCount, s.addressCount)
                && Objects.equals(sources, s.sources)
                && Objects.equals(conditions, s.conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, cidrs, cidrCount, addressCount, sources, conditions);
    }
}
