package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.ClientConnectorStatus;
import dev.pinhole.api.ClientStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A Client's status after one connector's decision: its own entry only, and Admitted derived from all entries. */
class ClientStatusUpdateTest {
    private static final Clock T1 = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);
    private static final Clock T2 = Clock.fixed(Instant.parse("2026-12-07T11:00:00Z"), ZoneOffset.UTC);
    private static final ClientCandidate ALICE = new ClientCandidate("team", "alice", Instant.EPOCH, Map.of(),
            ClientAdmissionTest.key(1), List.of("sales"), null, null, true);

    private static ClientConnectorStatus admitted(String ns, String name, String address) {
        return ClientStatusUpdate.entry(ns, name, new ClientDecision.Admitted(ALICE, "team/alice", address,
                List.of("sales")), "[Interface]\n");
    }

    private static ClientConnectorStatus refused(String ns, String name) {
        return ClientStatusUpdate.entry(ns, name, new ClientDecision.Refused(ALICE,
                ClientDecision.Refused.GROUP_NOT_ALLOWED, "group admins not in allowedGroups"), null);
    }

    @Test
    void aConnectorReplacesOnlyItsOwnEntryAndKeepsTheOthers() {
        ClientStatus s = ClientStatusUpdate.next(null, 1, "a", "one", Optional.of(admitted("a", "one", "100.96.0.3/32")),
                T1);
        s = ClientStatusUpdate.next(s, 1, "b", "two", Optional.of(admitted("b", "two", "100.97.0.3/32")), T1);
        s = ClientStatusUpdate.next(s, 1, "a", "one", Optional.of(admitted("a", "one", "100.96.0.4/32")), T1);

        assertThat(s.getConnectors()).extracting(ClientConnectorStatus::getAddress)
                .containsExactly("100.96.0.4/32", "100.97.0.3/32");
        assertThat(s.getConditions().get(0).getStatus()).isEqualTo("True");
        assertThat(s.getConditions().get(0).getMessage()).isEqualTo("admitted by a/one, b/two");
    }

    @Test
    void oneRefusalMakesAdmittedFalseWithItsReasonAndTheConnectorNamed() {
        ClientStatus s = ClientStatusUpdate.next(null, 1, "a", "one", Optional.of(admitted("a", "one", "100.96.0.3/32")),
                T1);
        s = ClientStatusUpdate.next(s, 1, "b", "two", Optional.of(refused("b", "two")), T1);

        assertThat(s.getConditions().get(0).getStatus()).isEqualTo("False");
        assertThat(s.getConditions().get(0).getReason()).isEqualTo(ClientDecision.Refused.GROUP_NOT_ALLOWED);
        assertThat(s.getConditions().get(0).getMessage()).isEqualTo("b/two: group admins not in allowedGroups");
    }

    @Test
    void theLastConnectorLettingGoLeavesNoEntryAndSaysNoConnector() {
        ClientStatus s = ClientStatusUpdate.next(null, 1, "a", "one", Optional.of(admitted("a", "one", "100.96.0.3/32")),
                T1);
        s = ClientStatusUpdate.next(s, 1, "a", "one", Optional.empty(), T1);

        assertThat(s.getConnectors()).isEmpty();
        assertThat(s.getConditions().get(0).getReason()).isEqualTo(ClientStatusUpdate.REASON_NO_CONNECTOR);
    }

    @Test
    void anUnchangedDecisionGivesAnEqualStatusWithTheSameTransitionTime() {
        ClientStatus s = ClientStatusUpdate.next(null, 1, "a", "one", Optional.of(admitted("a", "one", "100.96.0.3/32")),
                T1);

        ClientStatus again = ClientStatusUpdate.next(s, 1, "a", "one",
                Optional.of(admitted("a", "one", "100.96.0.3/32")), T2);

        assertThat(again).isEqualTo(s);
    }

    @Test
    void aSeventeenthConnectorGetsNoEntryButTheConditionSaysSo() {
        ClientStatus s = null;
        for (int i = 0; i < ClientStatus.MAX_CONNECTORS; i++) {
            s = ClientStatusUpdate.next(s, 1, "ns", "c" + (100 + i), Optional.of(admitted("ns", "c" + (100 + i),
                    "100.96.0.3/32")), T1);
        }
        ClientConnectorStatus tooMany = ClientStatusUpdate.entry("ns", "c999", new ClientDecision.Refused(ALICE,
                ClientDecision.Refused.TOO_MANY_CONNECTORS, "already in 16"), null);

        ClientStatus next = ClientStatusUpdate.next(s, 1, "ns", "c999", Optional.of(tooMany), T1);

        assertThat(next.getConnectors()).hasSize(ClientStatus.MAX_CONNECTORS);
        assertThat(next.getConditions().get(0).getReason()).isEqualTo(ClientDecision.Refused.TOO_MANY_CONNECTORS);
        assertThat(new ArrayList<>(next.getConnectors())).noneMatch(e -> e.isFor("ns", "c999"));
    }

    /** A deleted connector's entry goes; the other connector's stays, and Admitted names only it. */
    @Test
    void withoutADeletedConnectorsEntryAdmittedNamesOnlyWhatIsLeft() {
        ClientStatus s = ClientStatusUpdate.next(null, 1, "a", "one", Optional.of(admitted("a", "one", "100.96.0.3/32")),
                T1);
        s = ClientStatusUpdate.next(s, 1, "b", "two", Optional.of(refused("b", "two")), T1);

        ClientStatus after = ClientStatusUpdate.without(s, 1, e -> e.isFor("b", "two"), T2);

        assertThat(after.getConnectors()).extracting(ClientConnectorStatus::getName).containsExactly("one");
        assertThat(after.getConditions().get(0).getStatus()).isEqualTo("True");
        assertThat(after.getConditions().get(0).getMessage()).isEqualTo("admitted by a/one");
    }

    @Test
    void aClientWithoutAnyStatusGetsNoConnectorSayingWhatSelectsClients() {
        ClientStatus s = ClientStatusUpdate.without(null, 3, e -> true, T1);

        assertThat(s.getConnectors()).isEmpty();
        assertThat(s.getConditions().get(0).getStatus()).isEqualTo("False");
        assertThat(s.getConditions().get(0).getReason()).isEqualTo("NoConnector");
        assertThat(s.getConditions().get(0).getMessage()).contains("spec.clientSources", "clientSelector",
                "namespace");
        assertThat(s.getConditions().get(0).getObservedGeneration()).isEqualTo(3);
    }

    @Test
    void removingNothingChangesNothing() {
        ClientStatus s = ClientStatusUpdate.next(null, 1, "a", "one", Optional.of(admitted("a", "one", "100.96.0.3/32")),
                T1);

        assertThat(ClientStatusUpdate.without(s, 1, e -> false, T2)).isEqualTo(s);
    }
}
