package dev.pinhole.operator.appconnector;

import static dev.pinhole.operator.ConditionTypes.DEGRADED;
import static dev.pinhole.operator.ConditionTypes.EGRESS_VERIFIED;
import static dev.pinhole.operator.ConditionTypes.PROGRESSING;
import static dev.pinhole.operator.ConditionTypes.READY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorStatus;
import dev.pinhole.operator.ConditionTypes.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The precedence rules by which the status aggregator decides an AppConnector's conditions and fields. */
class AppConnectorStatusAggregatorTest {
    private static final Instant EARLIER = Instant.parse("2026-01-01T00:00:00Z");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-02-01T00:00:00Z"), ZoneOffset.UTC);
    private static final RolloutState ALL_READY = new RolloutState(2, 2, 2, true, true, false);
    private static final RolloutState NONE_READY_ROLLING = new RolloutState(2, 0, 0, false, true, true);

    /** A connector at generation 2 whose last written status is that of a settled, Ready connector at 1. */
    private static AppConnector readyConnector() {
        AppConnector c = TestConnectors.valid();
        c.getMetadata().setGeneration(2L);
        AppConnectorStatus status = new AppConnectorStatusAggregator(TestConnectors.valid(),
                Clock.fixed(EARLIER, ZoneOffset.UTC))
                .publicKey("old-key").clientAccess(List.of("203.0.113.7:51820"), "saas-clients").rollout(ALL_READY)
                .reports(new ConnectorReports.Round(List.of(
                        new ConnectorReports.Report("a", "203.0.113.10", true, 4, 2)), List.of()))
                .build();
        c.setStatus(status);
        return c;
    }

    private static AppConnectorStatusAggregator aggregator(AppConnector c) {
        return new AppConnectorStatusAggregator(c, CLOCK);
    }

    private static Condition condition(AppConnectorStatus status, String type) {
        return status.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElseThrow();
    }

    private static String brief(AppConnectorStatus status, String type) {
        Condition c = condition(status, type);
        return c.getStatus() + "/" + c.getReason();
    }

    @Test
    void appliedChildrenTakeReadyProgressingAndDegradedFromTheRollout() {
        AppConnectorStatus status = aggregator(readyConnector()).publicKey("k").rollout(NONE_READY_ROLLING).build();

        assertThat(List.of(brief(status, READY), brief(status, PROGRESSING), brief(status, DEGRADED))).containsExactly(
                "False/" + Reason.NO_REPLICAS_READY, "True/" + Reason.ROLLING_OUT, "False/" + Reason.AS_EXPECTED);
    }

    @Test
    void appliedChildrenComputeEveryFieldAfresh() {
        AppConnectorStatus status = aggregator(readyConnector()).publicKey("new-key")
                .clientAccess(List.of("198.51.100.1:51820"), "saas-clients").rollout(NONE_READY_ROLLING).build();

        assertThat(status.getObservedGeneration()).isEqualTo(2L);
        assertThat(status.getPublicKey()).isEqualTo("new-key");
        assertThat(status.getEndpoints()).containsExactly("198.51.100.1:51820");
        assertThat(status.getReadyReplicas()).isZero();
        assertThat(status.getActiveFlows()).isNull();
        assertThat(status.getEgressIPs()).containsExactly("203.0.113.10");
    }

    /** Without its Service no client can connect: ready pods do not make the connector Ready. */
    @Test
    void aServiceBeingCreatedOutranksReadyPods() {
        AppConnectorStatus status = aggregator(readyConnector()).publicKey("k").rollout(ALL_READY)
                .serviceCreation(new ServiceCreations.Outcome.Pending(EARLIER)).build();

        assertThat(brief(status, READY)).isEqualTo("False/" + Reason.SERVICE_PENDING);
        assertThat(brief(status, PROGRESSING)).isEqualTo("True/" + Reason.SERVICE_PENDING);
        assertThat(condition(status, READY).getMessage()).isEqualTo("creating Service saas");
    }

    @Test
    void aFailedServiceCreationIsNotReadyAndDegraded() {
        AppConnectorStatus status = aggregator(readyConnector()).publicKey("k").rollout(ALL_READY)
                .serviceCreation(new ServiceCreations.Outcome.Failed(EARLIER, "quota exceeded")).build();

        assertThat(brief(status, READY)).isEqualTo("False/" + Reason.APPLY_FAILED);
        assertThat(brief(status, DEGRADED)).isEqualTo("True/" + Reason.APPLY_FAILED);
        assertThat(condition(status, DEGRADED).getMessage()).isEqualTo("creating Service saas: quota exceeded");
        assertThat(brief(status, PROGRESSING)).isEqualTo("False/" + Reason.STABLE);
    }

    @Test
    void pendingIpSetsKeepAReadyConnectorReadyWithItsReason() {
        AppConnectorStatus status = aggregator(readyConnector()).publicKey("k").ipSetsPending(List.of("office"))
                .build();

        assertThat(brief(status, READY)).isEqualTo("True/" + Reason.ALL_REPLICAS_READY);
        assertThat(condition(status, READY).getMessage()).isEqualTo("2/2 connector pods ready");
        assertThat(brief(status, PROGRESSING)).isEqualTo("True/" + Reason.IPSET_PENDING);
        assertThat(brief(status, DEGRADED)).isEqualTo("False/" + Reason.IPSET_PENDING);
    }

    @Test
    void pendingIpSetsLeaveANewConnectorNotReady() {
        AppConnectorStatus status = aggregator(TestConnectors.valid()).publicKey("k")
                .ipSetsPending(List.of("office", "vendors")).build();

        assertThat(brief(status, READY)).isEqualTo("False/" + Reason.IPSET_PENDING);
        assertThat(condition(status, READY).getMessage()).isEqualTo("waiting for IPSet office, vendors to resolve");
    }

    @Test
    void pendingIpSetsOutrankTheRollout() {
        AppConnectorStatus status = aggregator(TestConnectors.valid()).publicKey("k").rollout(ALL_READY)
                .ipSetsPending(List.of("office")).build();

        assertThat(brief(status, READY)).isEqualTo("False/" + Reason.IPSET_PENDING);
    }

    /** The pods serve the last good config meanwhile: what describes it stays. */
    @Test
    void pendingIpSetsKeepTheLastFieldsButMoveTheGeneration() {
        AppConnectorStatus status = aggregator(readyConnector()).publicKey("k").ipSetsPending(List.of("office"))
                .build();

        assertThat(status.getObservedGeneration()).isEqualTo(2L);
        assertThat(status.getEndpoints()).containsExactly("203.0.113.7:51820");
        assertThat(status.getActiveFlows()).isEqualTo(4L);
        assertThat(status.getReadyReplicas()).isEqualTo(2);
    }

    @Test
    void aRefusedSpecIsNotReadyDegradedAndBlocked() {
        AppConnectorStatus status = aggregator(readyConnector()).publicKey("k")
                .refused(Reason.INVALID_SPEC, "spec.replicas: bad").build();

        assertThat(List.of(brief(status, READY), brief(status, PROGRESSING), brief(status, DEGRADED))).containsExactly(
                "False/" + Reason.INVALID_SPEC, "False/" + Reason.INVALID_SPEC, "True/" + Reason.INVALID_SPEC);
        assertThat(condition(status, DEGRADED).getMessage())
                .isEqualTo("spec.replicas: bad. The last valid connector config stays in force.");
        assertThat(condition(status, PROGRESSING).getMessage()).isEqualTo("blocked until the spec is fixed");
    }

    /** A spec that cannot be rendered is the user's to fix, whatever else is still on its way. */
    @Test
    void aRefusedSpecOutranksPendingIpSetsInEitherOrder() {
        AppConnectorStatus first = aggregator(readyConnector()).publicKey("k")
                .refused(Reason.IPSET_NOT_READY, "x").ipSetsPending(List.of("office")).build();
        AppConnectorStatus last = aggregator(readyConnector()).publicKey("k")
                .ipSetsPending(List.of("office")).refused(Reason.IPSET_NOT_READY, "x").build();

        assertThat(brief(first, READY)).isEqualTo("False/" + Reason.IPSET_NOT_READY);
        assertThat(first).isEqualTo(last);
    }

    @Test
    void aRefusedSpecWithoutAReadableKeyKeepsTheLastPublicKey() {
        AppConnectorStatus status = aggregator(readyConnector()).refused(Reason.INVALID_SPEC, "key").build();

        assertThat(status.getPublicKey()).isEqualTo("old-key");
        assertThat(status.getObservedGeneration()).isEqualTo(2L);
    }

    @Test
    void aRefusedSpecDecidesEgressAsIfNoPodHadReported() {
        AppConnectorStatus status = aggregator(readyConnector()).publicKey("k").refused(Reason.INVALID_SPEC, "x")
                .build();

        assertThat(brief(status, EGRESS_VERIFIED)).isEqualTo("Unknown/" + Reason.NOT_REQUESTED);
        assertThat(status.getActiveFlows()).isEqualTo(4L);
    }

    @Test
    void aFailedWriteOutranksEverythingElse() {
        AppConnectorStatus status = aggregator(readyConnector()).applyFailed("admission webhook said no")
                .refused(Reason.INVALID_SPEC, "x").build();

        assertThat(brief(status, DEGRADED)).isEqualTo("True/" + Reason.APPLY_FAILED);
        assertThat(condition(status, DEGRADED).getMessage()).isEqualTo("admission webhook said no");
    }

    @Test
    void aFailedWriteKeepsEveryOtherConditionAsItWas() {
        AppConnector c = readyConnector();

        AppConnectorStatus status = aggregator(c).applyFailed("conflict").build();

        assertThat(brief(status, READY)).isEqualTo("True/" + Reason.ALL_REPLICAS_READY);
        assertThat(condition(status, READY).getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(brief(status, PROGRESSING)).isEqualTo("False/" + Reason.STABLE);
        assertThat(brief(status, EGRESS_VERIFIED)).isEqualTo("Unknown/" + Reason.NOT_REQUESTED);
    }

    /** This reconcile computed nothing: the generation it did not get through is not marked as observed. */
    @Test
    void aFailedWriteKeepsTheObservedGenerationAndFields() {
        AppConnectorStatus status = aggregator(readyConnector()).applyFailed("conflict").build();

        assertThat(status.getObservedGeneration()).isEqualTo(1L);
        assertThat(status.getPublicKey()).isEqualTo("old-key");
    }

    @Test
    void aLongApiServerMessageIsCut() {
        AppConnectorStatus status = aggregator(readyConnector()).applyFailed("x".repeat(5000)).build();

        assertThat(condition(status, DEGRADED).getMessage()).hasSize(AppConnectorStatusAggregator
                .APPLY_FAILED_MESSAGE_LIMIT + 3).endsWith("...");
    }

    @Test
    void aConditionThatKeepsItsStatusKeepsItsTransitionTime() {
        AppConnectorStatus status = aggregator(readyConnector()).publicKey("k").rollout(ALL_READY).build();

        assertThat(condition(status, READY).getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(condition(status, READY).getObservedGeneration()).isEqualTo(2L);
    }

    @Test
    void aConditionThatFlipsMovesItsTransitionTimeAndCountsAsChanged() {
        AppConnectorStatusAggregator aggregator = aggregator(readyConnector()).publicKey("k")
                .rollout(NONE_READY_ROLLING);
        AppConnectorStatus status = aggregator.build();

        assertThat(condition(status, READY).getLastTransitionTime()).isEqualTo("2026-02-01T00:00:00Z");
        assertThat(aggregator.changed(READY)).isTrue();
        assertThat(aggregator.changed(DEGRADED)).isFalse();
    }

    /** The reconciler writes only a status that differs; the same findings must give an equal status. */
    @Test
    void theSameFindingsGiveTheStatusAlreadyWritten() {
        AppConnector c = readyConnector();
        c.getMetadata().setGeneration(1L);

        AppConnectorStatus status = aggregator(c).publicKey("old-key")
                .clientAccess(List.of("203.0.113.7:51820"), "saas-clients").rollout(ALL_READY)
                .reports(new ConnectorReports.Round(List.of(
                        new ConnectorReports.Report("a", "203.0.113.10", true, 4, 2)), List.of()))
                .build();

        assertThat(status).isEqualTo(c.getStatus());
    }

    @Test
    void childrenAppliedWithoutARolloutIsAProgrammingError() {
        assertThatThrownBy(() -> aggregator(TestConnectors.valid()).publicKey("k").build())
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void conditionsCannotBeReadBeforeTheyAreDecided() {
        assertThatThrownBy(() -> aggregator(TestConnectors.valid()).changed(READY))
                .isInstanceOf(IllegalStateException.class);
    }
}
