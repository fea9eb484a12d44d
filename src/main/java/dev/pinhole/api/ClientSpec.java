package dev.pinhole.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** What a user registers: their device's public key, the groups they ask for and, optionally, an address. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClientSpec {
    @Required
    @Size(max = 44)
    @ValidationRule(value = "self.matches('" + Patterns.WG_KEY + "')", messageExpression = "'not a WireGuard"
            + " public key (44 characters of base64 ending in =, as wg pubkey prints it): ' + self")
    // A transition rule: a swapped key would be another device holding the first one's address, groups and status.
    @ValidationRule(value = "self == oldSelf", message = "publicKey is immutable: a new key is a new device; delete"
            + " the Client and create it again with the new key")
    @JsonPropertyDescription("The device's WireGuard public key (base64, 32 bytes, as wg pubkey prints it). Its"
            + " private key never leaves the device. One key is one client: a key another client of the same"
            + " connector already uses is refused (the older client keeps it). Immutable: a new key means deleting"
            + " the Client and creating it again.")
    private String publicKey;

    @JsonPropertyDescription("Groups asked for (DNS labels). Each must be in the allowedGroups of the clientSource"
            + " that selects this client, else the client is refused and the condition names the group; the"
            + " source's defaultGroups are granted on top (at most 16 each, so a client never holds more than the 32"
            + " groups a connector allows).")
    @Size(max = 16)
    private List<@Size(max = 63) @Pattern(Patterns.GROUP) String> groups;

    @Size(max = 43)
    @ValidationRule(value = "isCIDR(self) && (cidr(self).prefixLength() == 32 || cidr(self).prefixLength() == 128)",
            messageExpression = "'must be a single address as /32 or /128, got ' + self")
    @JsonPropertyDescription("A tunnel address asked for (e.g. 100.96.4.7/32), inside the connector's tunnel"
            + " network. Absent: the operator allocates the lowest free one and keeps it for the life of the"
            + " client. An address another client holds is refused (the holder keeps it).")
    private String address;

    public String getPublicKey() { return publicKey; }
    public void setPublicKey(String publicKey) { this.publicKey = publicKey; }
    public List<String> getGroups() { return groups; }
    public void setGroups(List<String> groups) { this.groups = groups; }
    public String getAddress() { return address; }
    public void setAddress(String address) { this.address = address; }
}
