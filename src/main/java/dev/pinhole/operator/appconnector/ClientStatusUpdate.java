package dev.pinhole.operator.appconnector;

import dev.pinhole.api.ClientConnectorStatus;
import dev.pinhole.api.ClientStatus;
import dev.pinhole.operator.ConditionSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A Client's next status when one AppConnector has decided about it: that connector's entry replaced (or removed
 * when it no longer selects the client), the other connectors' entries kept as they are, and Admitted derived
 * from all entries. Each connector writes only its own entry; the API server's resourceVersion check makes two
 * connectors writing one Client at once retry rather than lose an entry.
 */
public final class ClientStatusUpdate {
    public static final String ADMITTED = "Admitted";
    static final String REASON_ADMITTED = "Admitted";
    static final String REASON_NO_CONNECTOR = "NoConnector";
    /** What the user of a Client nobody admits needs: what selects Clients, and whom to ask. */
    static final String NO_CONNECTOR_MESSAGE = "no AppConnector selects this client: an AppConnector's"
            + " spec.clientSources selects Clients by their namespace (from: Same, All, or Selector on the namespace's"
            + " labels) and by their labels (clientSelector); ask the connector's owner which labels to set";

    private ClientStatusUpdate() {}

    /** The entry one decision writes: the address, groups and file when admitted; reason and message when not. */
    static ClientConnectorStatus entry(String connectorNamespace, String connectorName, ClientDecision decision,
                                       String config) {
        ClientConnectorStatus e = new ClientConnectorStatus();
        e.setNamespace(connectorNamespace);
        e.setName(connectorName);
        e.setClientName(decision.candidate().clientName(connectorNamespace));
        if (decision instanceof ClientDecision.Admitted a) {
            e.setAdmitted(true);
            e.setAddress(a.address());
            e.setGroups(a.groups().isEmpty() ? null : a.groups());
            e.setConfig(config);
        } else {
            ClientDecision.Refused r = (ClientDecision.Refused) decision;
            e.setAdmitted(false);
            e.setReason(r.reason());
            e.setMessage(r.message());
        }
        return e;
    }

    /**
     * {@code previous} with the entry of {@code connectorNamespace/connectorName} set to {@code entry} (removed
     * when empty), entries sorted by connector, and the Admitted condition recomputed. A client already in 16
     * connectors gets no new entry (its admission said TooManyConnectors): the condition says so instead.
     */
    public static ClientStatus next(ClientStatus previous, long generation, String connectorNamespace,
                                    String connectorName, Optional<ClientConnectorStatus> entry, Clock clock) {
        List<ClientConnectorStatus> entries = new ArrayList<>(previous == null || previous.getConnectors() == null
                ? List.of() : previous.getConnectors());
        entries.removeIf(e -> e.isFor(connectorNamespace, connectorName));
        Optional<ClientConnectorStatus> overflow = Optional.empty();
        if (entry.isPresent()) {
            if (entries.size() < ClientStatus.MAX_CONNECTORS) {
                entries.add(entry.get());
            } else {
                overflow = entry;
            }
        }
        return decided(entries, overflow, previous, generation, clock);
    }

    /**
     * {@code previous} without the entries {@code gone} says belong to connectors that no longer exist, with Admitted
     * recomputed (NoConnector once none is left); what a Client says when nobody else will write it: a deleted
     * AppConnector's reconciler is gone, and a Client no connector selects is never any connector's business.
     */
    public static ClientStatus without(ClientStatus previous, long generation,
                                       java.util.function.Predicate<ClientConnectorStatus> gone, Clock clock) {
        List<ClientConnectorStatus> entries = new ArrayList<>(previous == null || previous.getConnectors() == null
                ? List.of() : previous.getConnectors());
        entries.removeIf(gone);
        return decided(entries, Optional.empty(), previous, generation, clock);
    }

    private static ClientStatus decided(List<ClientConnectorStatus> entries, Optional<ClientConnectorStatus> overflow,
                                        ClientStatus previous, long generation, Clock clock) {
        entries.sort(Comparator.comparing(ClientConnectorStatus::getNamespace, Comparator.nullsFirst(
                Comparator.naturalOrder())).thenComparing(ClientConnectorStatus::getName, Comparator.nullsFirst(
                Comparator.naturalOrder())));
        ConditionSet conditions = new ConditionSet(previous == null ? null : previous.getConditions(), generation,
                clock);
        List<ClientConnectorStatus> refused = new ArrayList<>(entries.stream()
                .filter(e -> !Boolean.TRUE.equals(e.getAdmitted())).toList());
        overflow.ifPresent(refused::add);
        if (entries.isEmpty() && overflow.isEmpty()) {
            conditions.set(ADMITTED, ConditionSet.Status.False, REASON_NO_CONNECTOR, NO_CONNECTOR_MESSAGE);
        } else if (refused.isEmpty()) {
            conditions.set(ADMITTED, ConditionSet.Status.True, REASON_ADMITTED, "admitted by " + String.join(", ",
                    entries.stream().map(e -> e.getNamespace() + "/" + e.getName()).toList()));
        } else {
            conditions.set(ADMITTED, ConditionSet.Status.False, refused.get(0).getReason(), String.join("; ",
                    refused.stream().map(e -> e.getNamespace() + "/" + e.getName() + ": " + e.getMessage())
                            .toList()));
        }
        ClientStatus next = new ClientStatus();
        next.setConnectors(entries);
        next.setConditions(conditions.toList());
        return next;
    }
}
