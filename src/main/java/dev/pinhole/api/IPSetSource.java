package dev.pinhole.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * One published range feed an IPSet follows: either a URL with its format and selections, or a vendor preset with
 * its services and regions. The operator fetches it (connectors never do) from hosts its settings allow.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.url) != has(self.preset)",
        message = "a source has either url (with format) or preset, not both and not neither")
@ValidationRule(value = "!has(self.preset) || (!has(self.format) && !has(self.select))",
        message = "format and select belong to url sources; a preset knows its own")
@ValidationRule(value = "!has(self.url) || (!has(self.services) && !has(self.regions))",
        message = "services and regions filter presets; a url source filters with select")
@ValidationRule(value = "!has(self.url) || (has(self.format) && (self.format == 'json') == has(self.select))",
        message = "a url source needs format; format json needs select, format text takes none")
public class IPSetSource {
    /** The refresh interval's floor, as RefreshPolicy.MIN_INTERVAL (vendors publish a few times a day at most). */
    public static final String MIN_REFRESH = "5m";
    public static final String DEFAULT_REFRESH = "1h";
    /** A Go duration of hours, minutes and seconds, as CEL's duration() reads it. */
    public static final String DURATION = "^([0-9]{1,4}h)?([0-9]{1,6}m)?([0-9]{1,8}s)?$";
    /** What a preset's service or region may be: vendor names, never selection syntax. */
    public static final String FILTER_VALUE = "^[A-Za-z0-9 ._-]{1,63}$";
    static final String FILTER_RULE = "self.all(x, x.matches('" + FILTER_VALUE + "'))";
    static final String FILTER_MESSAGE = "'not a vendor name (letters, digits, space, . - _; at most 63): ' +"
            + " self.filter(x, !x.matches('" + FILTER_VALUE + "'))[0]";

    @JsonPropertyDescription("The feed's URL (https; http only for hosts the operator's settings allow). Its host"
            + " must be in the operator's allowed feed hosts.")
    @Size(max = 2048)
    @Pattern(Patterns.HTTP_URL)
    private String url;

    @JsonPropertyDescription("How the body is read: json (with select) or text (one prefix per line, # comments).")
    @Pattern("^(json|text)$")
    private String format;

    @JsonPropertyDescription("For format json: selections reaching the strings that hold prefixes, e.g."
            + " \"/prefixes/*[service=S3][region=eu-west-1]/ip_prefix\" (JSON Pointer steps, * for every element,"
            + " [field=a|b] filters; see docs/ipset.md).")
    @Size(max = 8)
    private List<@Size(max = 256) String> select;

    @JsonPropertyDescription("A vendor feed by name: github, aws, google-cloud, cloudflare, atlassian.")
    @Pattern("^(github|aws|google-cloud|cloudflare|atlassian)$")
    private String preset;

    @JsonPropertyDescription("For a preset: the vendor's services to keep (github needs some: actions, hooks,"
            + " git, ...; aws: S3, EC2, ...). Empty: every service, where the preset allows it.")
    @Size(max = 32)
    @ValidationRule(value = FILTER_RULE, messageExpression = FILTER_MESSAGE)
    private List<@Size(max = 63) String> services;

    @JsonPropertyDescription("For a preset: the vendor's regions to keep (aws eu-west-1, google-cloud"
            + " europe-west1, ...). Empty: every region.")
    @Size(max = 32)
    @ValidationRule(value = FILTER_RULE, messageExpression = FILTER_MESSAGE)
    private List<@Size(max = 63) String> regions;

    @JsonPropertyDescription("How often the feed is fetched again, as a duration (\"1h\", \"90m\"); at least 5m."
            + " Each fetch is jittered by 10%; failures back off from 30 s.")
    @Default(DEFAULT_REFRESH)
    @Size(max = 24)
    @Pattern(DURATION)
    @ValidationRule(value = "self != '' && duration(self) >= duration('" + MIN_REFRESH + "')",
            messageExpression = "'refresh must be a duration of at least " + MIN_REFRESH + ", got ' + self")
    private String refresh;

    public IPSetSource() {}

    public String getUrl() { return url; }
    public void setUrl(String url) { this.url = url; }
    public String getFormat() { return format; }
    public void setFormat(String format) { this.format = format; }
    public List<String> getSelect() { return select; }
    public void setSelect(List<String> select) { this.select = select; }
    public String getPreset() { return preset; }
    public void setPreset(String preset) { this.preset = preset; }
    public List<String> getServices() { return services; }
    public void setServices(List<String> services) { this.services = services; }
    public List<String> getRegions() { return regions; }
    public void setRegions(List<String> regions) { this.regions = regions; }
    public String getRefresh() { return refresh; }
    public void setRefresh(String refresh) { this.refresh = refresh; }
}
