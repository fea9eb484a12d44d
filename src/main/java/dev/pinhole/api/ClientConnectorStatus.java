package dev.pinhole.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Objects;

/** What one AppConnector decided about a Client: admitted with an address, groups and a file, or refused and why. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClientConnectorStatus {
    @JsonPropertyDescription("The AppConnector's namespace.")
    @Size(max = 63)
    private String namespace;

    @JsonPropertyDescription("The AppConnector's name.")
    @Size(max = 63)
    private String name;

    @JsonPropertyDescription("Whether this connector admitted the client.")
    private Boolean admitted;

    @JsonPropertyDescription("Why not (when not admitted): GroupNotAllowed, AddressConflict, ConnectorFull,"
            + " SourceFull, KeyInUse, NameInUse, InvalidKey, TooManyConnectors.")
    @Size(max = 64)
    private String reason;

    @JsonPropertyDescription("What refused it, by name (when not admitted).")
    @Size(max = 1024)
    private String message;

    @JsonPropertyDescription("The name this client has in the connector (and in its access rules and flow"
            + " records): the Client's name in the connector's namespace, namespace/name elsewhere.")
    @Size(max = 317)
    private String clientName;

    @JsonPropertyDescription("The client's tunnel address in this connector: asked for, or allocated and kept for"
            + " the life of the client.")
    @Size(max = 43)
    private String address;

    @JsonPropertyDescription("The groups granted: those asked for (all allowed) plus the source's defaultGroups.")
    @Size(max = 64)
    private List<@Size(max = 63) String> groups;

    @JsonPropertyDescription("The rendered wg-quick file, without the private key (a placeholder to replace).")
    @Size(max = 65536)
    private String config;

    public String getNamespace() { return namespace; }
    public void setNamespace(String namespace) { this.namespace = namespace; }
    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public Boolean getAdmitted() { return admitted; }
    public void setAdmitted(Boolean admitted) { this.admitted = admitted; }
    public String getReason() { return reason; }
    public void setReason(String reason) { this.reason = reason; }
    public String getMessage() { return message; }
    public void setMessage(String message) { this.message = message; }
    public String getClientName() { return clientName; }
    public void setClientName(String clientName) { this.clientName = clientName; }
    public String getAddress() { return address; }
    public void setAddress(String address) { this.address = address; }
    public List<String> getGroups() { return groups; }
    public void setGroups(List<String> groups) { this.groups = groups; }
    public String getConfig() { return config; }
    public void setConfig(String config) { this.config = config; }

    /** Whether this entry is {@code namespace/name}'s. */
    public boolean isFor(String connectorNamespace, String connectorName) {
        return Objects.equals(namespace, connectorNamespace) && Objects.equals(name, connectorName);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientConnectorStatus s && Objects.equals(namespace, s.namespace)
                && Objects.equals(name, s.name) && Objects.equals(admitted, s.admitted)
                && Objects.equals(reason, s.reason) && Objects.equals(message, s.message)
                && Objects.equals(clientName, s.clientName) && Objects.equals(address, s.address)
                && Objects.equals(groups, s.groups) && Objects.equals(config, s.config);
    }

    @Override
    public int hashCode() {
        return Objects.hash(namespace, name, admitted, address);
    }
}
