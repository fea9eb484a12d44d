package dev.pinhole.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pinhole.api.schema.LabelSelectorSchema;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

/**
 * Desired content of an IPSet: literal entries, published range feeds, other sets, exclusions and the egress IPs
 * of selected connectors.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IPSetSpec {
    @JsonPropertyDescription("Addresses, CIDRs and ranges: \"203.0.113.10\", \"198.51.100.0/28\","
            + " \"192.0.2.10-192.0.2.20\", \"2001:db8::/64\". CIDRs must have no host bits set.")
    @Size(max = 1024)
    @ValidationRule(value = "self.all(x, " + Patterns.CEL_IS_ENTRY + ")",
            messageExpression = "'not an address, CIDR or range a-b of one family: ' + self.filter(x, !"
                    + Patterns.CEL_IS_ENTRY + ")[0]")
    @ValidationRule(value = "self.all(x, " + Patterns.CEL_V4_RANGE_ORDERED + ")",
            messageExpression = "'range start is after its end: ' + self.filter(x, !"
                    + Patterns.CEL_V4_RANGE_ORDERED + ")[0]")
    private List<@Size(max = 83) String> addresses = new ArrayList<>();

    @JsonPropertyDescription("Other IPSets in the same namespace whose addresses are added.")
    @Size(max = 64)
    private List<ObjectReference> include = new ArrayList<>();

    @JsonPropertyDescription("Addresses, CIDRs and ranges removed from the result (after includes).")
    @Size(max = 1024)
    @ValidationRule(value = "self.all(x, " + Patterns.CEL_IS_ENTRY + ")",
            messageExpression = "'not an address, CIDR or range a-b of one family: ' + self.filter(x, !"
                    + Patterns.CEL_IS_ENTRY + ")[0]")
    @ValidationRule(value = "self.all(x, " + Patterns.CEL_V4_RANGE_ORDERED + ")",
            messageExpression = "'range start is after its end: ' + self.filter(x, !"
                    + Patterns.CEL_V4_RANGE_ORDERED + ")[0]")
    private List<@Size(max = 83) String> exclude = new ArrayList<>();

    @JsonPropertyDescription("Published range feeds whose prefixes are added like addresses (exclude applies to"
            + " them too). The operator fetches them from the hosts its settings allow and keeps the last good list"
            + " when a fetch fails.")
    @Size(max = 16)
    private List<IPSetSource> sources;

    @JsonPropertyDescription("Adds the egress IPs (spec.egress.elasticIP) of the AppConnectors in this namespace"
            + " that match this selector.")
    @SchemaFrom(type = LabelSelectorSchema.class)
    private LabelSelector appConnectors;

    public List<String> getAddresses() { return addresses; }
    public void setAddresses(List<String> addresses) { this.addresses = addresses; }
    public List<ObjectReference> getInclude() { return include; }
    public void setInclude(List<ObjectReference> include) { this.include = include; }
    public List<String> getExclude() { return exclude; }
    public void setExclude(List<String> exclude) { this.exclude = exclude; }
    public List<IPSetSource> getSources() { return sources; }
    public void setSources(List<IPSetSource> sources) { this.sources = sources; }
    public LabelSelector getAppConnectors() { return appConnectors; }
    public void setAppConnectors(LabelSelector appConnectors) { this.appConnectors = appConnectors; }
}
