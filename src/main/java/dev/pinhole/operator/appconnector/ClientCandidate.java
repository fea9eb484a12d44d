package dev.pinhole.operator.appconnector;

import dev.pinhole.api.Client;
import dev.pinhole.api.ClientConnectorStatus;
import dev.pinhole.api.ClientStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A Client as one AppConnector's admission sees it: who (namespace, name, age), what it asks for, and the address
 * this connector's earlier admission recorded in its status (the allocator's record; null when none).
 *
 * @param roomForEntry whether its status can take this connector's entry (it has one already, or fewer than 16)
 */
public record ClientCandidate(String namespace, String name, Instant created, Map<String, String> labels,
                              String publicKey, List<String> groups, String requestedAddress, String heldAddress,
                              boolean roomForEntry) {
    public ClientCandidate {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        groups = groups == null ? List.of() : List.copyOf(groups);
        created = created == null ? Instant.EPOCH : created;
    }

    /** The Client as the connector {@code connectorNamespace/connectorName} sees it. */
    public static ClientCandidate of(Client client, String connectorNamespace, String connectorName) {
        var meta = client.getMetadata();
        var spec = client.getSpec();
        ClientStatus status = client.getStatus();
        List<ClientConnectorStatus> entries = status == null || status.getConnectors() == null ? List.of()
                : status.getConnectors();
        ClientConnectorStatus own = entries.stream().filter(e -> e.isFor(connectorNamespace, connectorName))
                .findFirst().orElse(null);
        String held = own != null && Boolean.TRUE.equals(own.getAdmitted()) ? own.getAddress() : null;
        return new ClientCandidate(meta.getNamespace(), meta.getName(),
                meta.getCreationTimestamp() == null ? null : Instant.parse(meta.getCreationTimestamp()),
                meta.getLabels(), spec == null ? null : spec.getPublicKey(), spec == null ? null : spec.getGroups(),
                spec == null ? null : spec.getAddress(), held,
                own != null || entries.size() < ClientStatus.MAX_CONNECTORS);
    }

    /** "namespace/name": how messages name this Client. */
    public String ref() {
        return namespace + "/" + name;
    }

    /**
     * The name the connector knows it by (in its config, access rules and records): its name when it lives in the
     * connector's namespace, "namespace/name" elsewhere, so a Client in another namespace can never take the name
     * an access rule gives a client of the connector's own.
     */
    public String clientName(String connectorNamespace) {
        return connectorNamespace.equals(namespace) ? name : ref();
    }
}
