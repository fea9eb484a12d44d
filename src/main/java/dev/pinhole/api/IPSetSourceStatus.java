package dev.pinhole.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** What the operator holds of one feed of an IPSet: the list in force, where it came from and how fresh it is. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class IPSetSourceStatus {
    @JsonPropertyDescription("The feed's name: the preset with its services and regions (aws/S3@eu-west-1), or the"
            + " URL's host and path.")
    private String name;

    @JsonPropertyDescription("The URL fetched.")
    private String url;

    @JsonPropertyDescription("When the list in force was last fetched or confirmed (RFC 3339); absent while there"
            + " has never been one.")
    private String lastSuccessTime;

    @JsonPropertyDescription("The feed's own version of the list in force, where it publishes one (AWS syncToken).")
    private String version;

    @JsonPropertyDescription("The feed's own time of the list in force, where it publishes one (AWS createDate).")
    private String timestamp;

    @JsonPropertyDescription("sha256 of the list in force (canonical prefixes, one per line).")
    private String digest;

    @JsonPropertyDescription("Number of prefixes in the list in force.")
    private Integer prefixCount;

    @JsonPropertyDescription("Why the last fetch failed or was refused; absent after a success.")
    private String lastError;

    @JsonPropertyDescription("Since when the source is stale (RFC 3339): no list yet, or the list in force is"
            + " older than three refresh intervals.")
    private String staleSince;

    @JsonPropertyDescription("A list that shrank beyond the rule and is held back until the next fetch repeats"
            + " it: its prefix count and digest.")
    private String heldBack;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public String getUrl() { return url; }
    public void setUrl(String url) { this.url = url; }
    public String getLastSuccessTime() { return lastSuccessTime; }
    public void setLastSuccessTime(String lastSuccessTime) { this.lastSuccessTime = lastSuccessTime; }
    public String getVersion() { return version; }
    public void setVersion(String version) { this.version = version; }
    public String getTimestamp() { return timestamp; }
    public void setTimestamp(String timestamp) { this.timestamp = timestamp; }
    public String getDigest() { return digest; }
    public void setDigest(String digest) { this.digest = digest; }
    public Integer getPrefixCount() { return prefixCount; }
    public void setPrefixCount(Integer prefixCount) { this.prefixCount = prefixCount; }
    public String getLastError() { return lastError; }
    public void setLastError(String lastError) { this.lastError = lastError; }
    public String getStaleSince() { return staleSince; }
    public void setStaleSince(String staleSince) { this.staleSince = staleSince; }
    public String getHeldBack() { return heldBack; }
    public void setHeldBack(String heldBack) { this.heldBack = heldBack; }

    @Override
    public boolean equals(Object o) {
        return o instanceof IPSetSourceStatus s && Objects.equals(name, s.name) && Objects.equals(url, s.url)
                && Objects.equals(lastSuccessTime, s.lastSuccessTime) && Objects.equals(version, s.version)
                && Objects.equals(timestamp, s.timestamp) && Objects.equals(digest, s.digest)
                && Objects.equals(prefixCount, s.prefixCount) && Objects.equals(lastError, s.lastError)
                && Objects.equals(staleSince, s.staleSince) && Objects.equals(heldBack, s.heldBack);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, url, lastSuccessTime, version, timestamp, digest, prefixCount, lastError,
                staleSince, heldBack);
    }
}
