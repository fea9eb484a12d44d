package dev.pinhole.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pinhole.api.schema.LabelSelectorSchema;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

/**
 * Which Client objects an AppConnector admits (from which namespaces, with which labels) and what they may claim:
 * granted groups are the requested ones, each of which must be in allowedGroups, plus defaultGroups.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClientSource {
    @Required
    @JsonPropertyDescription("The namespaces whose Clients this source selects.")
    private Namespaces namespaces;

    @JsonPropertyDescription("Labels a Client must carry to be selected. Absent: every Client in those namespaces.")
    @SchemaFrom(type = LabelSelectorSchema.class)
    private LabelSelector clientSelector;

    @JsonPropertyDescription("Groups a Client selected here may ask for; one asking for any other is refused, and"
            + " its condition names the group.")
    @Size(max = 64)
    private List<@Size(max = 63) @Pattern(Patterns.GROUP) String> allowedGroups;

    @JsonPropertyDescription("Groups granted to every Client admitted through this source.")
    @Size(max = 16)
    private List<@Size(max = 63) @Pattern(Patterns.GROUP) String> defaultGroups;

    public Namespaces getNamespaces() { return namespaces; }
    public void setNamespaces(Namespaces namespaces) { this.namespaces = namespaces; }
    @JsonPropertyDescription("At most this many Clients are admitted through this source (oldest first); a newer one"
            + " is refused with reason SourceFull naming the source, so one namespace of self-registering users cannot"
            + " take every address of the connector. Absent: no bound but the connector's (5,000). Pair it with a"
            + " ResourceQuota on count/clients.pinhole.dev in those namespaces.")
    @Min(1)
    @Max(5000)
    private Integer maxClients;

    public Integer getMaxClients() { return maxClients; }
    public void setMaxClients(Integer maxClients) { this.maxClients = maxClients; }
    public LabelSelector getClientSelector() { return clientSelector; }
    public void setClientSelector(LabelSelector clientSelector) { this.clientSelector = clientSelector; }
    public List<String> getAllowedGroups() { return allowedGroups; }
    public void setAllowedGroups(List<String> allowedGroups) { this.allowedGroups = allowedGroups; }
    public List<String> getDefaultGroups() { return defaultGroups; }
    public void setDefaultGroups(List<String> defaultGroups) { this.defaultGroups = defaultGroups; }

    /** Which namespaces: the connector's own, all, or those whose labels match a selector (as Gateway API's). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(value = "(self.from == 'Selector') == has(self.selector)",
            message = "selector is required with from: Selector and only allowed with it")
    public static class Namespaces {
        /** Where the selected Clients may live. */
        public enum From { Same, All, Selector }

        @Required
        @JsonPropertyDescription("Same (the connector's namespace), All, or Selector (namespaces whose labels"
                + " match selector).")
        private From from;

        @JsonPropertyDescription("Labels of the namespaces, with from: Selector.")
        @SchemaFrom(type = LabelSelectorSchema.class)
        private LabelSelector selector;

        public Namespaces() {}

        public Namespaces(From from) {
            this.from = from;
        }

        public From getFrom() { return from; }
        public void setFrom(From from) { this.from = from; }
        public LabelSelector getSelector() { return selector; }
        public void setSelector(LabelSelector selector) { this.selector = selector; }
    }
}
