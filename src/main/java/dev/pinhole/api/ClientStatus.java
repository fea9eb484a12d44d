package dev.pinhole.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.pinhole.api.schema.ConditionSchema;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Observed state of a Client: per selecting AppConnector, whether it admitted the client and, when it did, the
 * address, the granted groups and the wg-quick file. The entries are the address allocator's record.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClientStatus implements HasConditions {
    /** Connectors one client can be in: each entry carries a rendered file, and the status stays small. */
    public static final int MAX_CONNECTORS = 16;

    @JsonPropertyDescription("Admitted: True when every AppConnector that selects this client admitted it; False"
            + " names the reason (NoConnector, GroupNotAllowed, AddressConflict, ConnectorFull, SourceFull, KeyInUse,"
            + " NameInUse, TooManyConnectors).")
    @SchemaFrom(type = ConditionSchema[].class)
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("One entry per AppConnector that selects this client (at most 16).")
    @Size(max = MAX_CONNECTORS)
    private List<ClientConnectorStatus> connectors = new ArrayList<>();

    @Override
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
    public List<ClientConnectorStatus> getConnectors() { return connectors; }
    public void setConnectors(List<ClientConnectorStatus> connectors) { this.connectors = connectors; }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientStatus s && Objects.equals(conditions, s.conditions)
                && Objects.equals(connectors, s.connectors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(conditions, connectors);
    }
}
