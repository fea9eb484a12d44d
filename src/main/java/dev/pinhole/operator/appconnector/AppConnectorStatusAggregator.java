package dev.pinhole.operator.appconnector;

import static dev.pinhole.operator.ConditionTypes.CONFIG_APPLIED;
import static dev.pinhole.operator.ConditionTypes.DEGRADED;
import static dev.pinhole.operator.ConditionTypes.EGRESS_VERIFIED;
import static dev.pinhole.operator.ConditionTypes.PROGRESSING;
import static dev.pinhole.operator.ConditionTypes.READY;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.api.AppConnectorStatus;
import dev.pinhole.operator.ConditionSet;
import dev.pinhole.operator.ConditionSet.Status;
import dev.pinhole.operator.ConditionTypes.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The one place an AppConnector's status is decided. Each part of a reconcile reports what it found (the key, the
 * rollout, the pods' reports, the Service creation, IPSets still resolving, a spec that cannot be rendered, a
 * failed write); {@link #build()} turns those findings into the conditions and the status fields. The
 * {@link ConditionSet} underneath keeps lastTransitionTime while a condition's status stays and stamps every
 * condition with the AppConnector's generation.
 *
 * <p>Ready, Progressing and Degraded follow the first of these that applies ({@link Outcome}, last wins):
 * <ol>
 * <li>A write failed outside the reconcile's own handling ({@link #applyFailed}, the error handler): every previous
 *     condition stays as it was, Degraded=True ApplyFailed with the API server's message. This reconcile computed
 *     nothing, so the status fields and observedGeneration stay as last written.</li>
 * <li>The spec cannot be rendered ({@link #refused}: InvalidSpec, IPSetNotReady): Ready=False, Degraded=True,
 *     Progressing=False, all with that reason. The last good config stays in force, and so do the status fields
 *     that describe it; observedGeneration moves (this generation was looked at).</li>
 * <li>IPSets the routes name are still resolving ({@link #ipSetsPending}): Progressing=True, Degraded=False, and
 *     Ready as it was when it was True (the pods serve the last good config meanwhile), else Ready=False, all
 *     IPSetPending. Status fields as in 2.</li>
 * <li>The children were applied: Ready, Progressing and Degraded from the rollout ({@link #rollout}); then the
 *     Service ({@link #serviceCreation}): without it no client can connect whatever the pods say, so a failed
 *     creation makes Ready=False and Degraded=True (ApplyFailed), one under way Ready=False and Progressing=True
 *     (ServicePending). Every status field is computed afresh.</li>
 * </ol>
 * EgressVerified follows the pods' reports in 4, is decided as if no pod had reported in 2 and 3, and stays as it
 * was in 1.
 *
 * <p>ConfigApplied ({@link ConfigInForce}) is decided in 4 from the digest of the config just rendered
 * ({@link #renderedConfig}) and the pods' reports, and stays as it was in 1 to 3 (the last good config is still the
 * one rendered). While it is False in 4 the pods serve the previous config: Ready keeps what the rollout says (they
 * carry traffic) but its message says the newest config is not in force, Progressing is True with its reason (unless
 * the rollout's own is), and Degraded is True for ConfigRefused (the connector refused what the operator rendered:
 * a person must look). ConfigStale and ConfigWaiting are not Degraded by themselves: the kubelet takes its sync
 * period plus its cache's TTL to refresh a ConfigMap volume (63 to 88 s measured on the real node), and a burst of
 * changes keeps the pods a step behind for as long as it lasts; no time bound tells those apart from a volume that
 * never refreshes without remembering when each digest was rendered, so the message names both digests instead.
 */
final class AppConnectorStatusAggregator {
    /** How far the reconcile got; a later constant outranks every earlier one. */
    private enum Outcome { CHILDREN_APPLIED, IPSETS_PENDING, REFUSED, APPLY_FAILED }

    /** The API server's messages can be long (a whole object); a condition keeps the start of one. */
    static final int APPLY_FAILED_MESSAGE_LIMIT = 900;
    private static final String TRUE = Status.True.name();

    private final AppConnectorSpec spec;
    private final String serviceName;
    private final AppConnectorStatus previous;
    private final long generation;
    private final ConditionSet conditions;

    private Outcome outcome = Outcome.CHILDREN_APPLIED;
    private String publicKey;
    private List<String> endpoints;
    private String clientConfigMap;
    private ConnectorReports.Round reports = ConnectorReports.Round.EMPTY;
    private RolloutState rollout;
    private ServiceCreations.Outcome serviceCreation;
    private List<String> pendingIpSets = List.of();
    private String renderedConfig;
    private String reason;
    private String message;
    private boolean built;

    AppConnectorStatusAggregator(AppConnector connector, Clock clock) {
        this.spec = connector.getSpec();
        this.serviceName = ConnectorNames.workload(connector);
        this.previous = connector.getStatus() == null ? new AppConnectorStatus() : connector.getStatus();
        this.generation = Optional.ofNullable(connector.getMetadata().getGeneration()).orElse(0L);
        this.conditions = new ConditionSet(previous.getConditions(), generation, clock);
    }

    /** The status as last written (empty for a new AppConnector). */
    AppConnectorStatus previous() {
        return previous;
    }

    /** The connector's public key, read from its key Secret. */
    AppConnectorStatusAggregator publicKey(String key) {
        this.publicKey = key;
        return this;
    }

    /** Where clients connect, and the ConfigMap that holds their configs. */
    AppConnectorStatusAggregator clientAccess(List<String> clientEndpoints, String clientConfigMapName) {
        this.endpoints = clientEndpoints;
        this.clientConfigMap = clientConfigMapName;
        return this;
    }

    /** What the connector pods answered on /status (none without probing). */
    AppConnectorStatusAggregator reports(ConnectorReports.Round round) {
        this.reports = round;
        return this;
    }

    /**
     * The digest of the connector config just rendered and written (main config and key, as the connector computes
     * it: {@link dev.pinhole.connector.config.LoadedConfig#digestOf}); the pods' reports are compared with it.
     */
    AppConnectorStatusAggregator renderedConfig(String digest) {
        this.renderedConfig = digest;
        return this;
    }

    /** The connector Deployment's rollout. */
    AppConnectorStatusAggregator rollout(RolloutState state) {
        this.rollout = state;
        return this;
    }

    /** The Service does not exist yet: its creation is under way or failed. */
    AppConnectorStatusAggregator serviceCreation(ServiceCreations.Outcome creation) {
        this.serviceCreation = creation;
        return this;
    }

    /** IPSets the routes name that are still resolving (or, for a new connector, not seen yet). */
    AppConnectorStatusAggregator ipSetsPending(List<String> names) {
        this.pendingIpSets = List.copyOf(names);
        return reached(Outcome.IPSETS_PENDING, Reason.IPSET_PENDING,
                "waiting for IPSet " + String.join(", ", names) + " to resolve");
    }

    /** The spec cannot be rendered into a config the connector would accept; {@code why} is a reason constant. */
    AppConnectorStatusAggregator refused(String why, String what) {
        return reached(Outcome.REFUSED, why, what);
    }

    /** A write failed in a way the reconcile did not handle; {@code what} is the API server's message. */
    AppConnectorStatusAggregator applyFailed(String what) {
        String text = String.valueOf(what);
        return reached(Outcome.APPLY_FAILED, Reason.APPLY_FAILED, text.length() > APPLY_FAILED_MESSAGE_LIMIT
                ? text.substring(0, APPLY_FAILED_MESSAGE_LIMIT) + "..." : text);
    }

    private AppConnectorStatusAggregator reached(Outcome reported, String why, String what) {
        if (reported.compareTo(outcome) >= 0) {
            outcome = reported;
            reason = why;
            message = what;
        }
        return this;
    }

    /** Decides the conditions and the status fields from what was reported; call once. */
    AppConnectorStatus build() {
        if (built) {
            throw new IllegalStateException("the status was already built");
        }
        built = true;
        AppConnectorStatus status = switch (outcome) {
            case APPLY_FAILED -> {
                if (previous.getConditions() != null) {
                    for (Condition c : previous.getConditions()) {
                        conditions.set(c.getType(), Status.valueOf(c.getStatus()), c.getReason(), c.getMessage());
                    }
                }
                conditions.set(DEGRADED, Status.True, reason, message);
                yield carriedOver();
            }
            case REFUSED -> {
                conditions.set(READY, Status.False, reason, message);
                conditions.set(DEGRADED, Status.True, reason,
                        message + ". The last valid connector config stays in force.");
                conditions.set(PROGRESSING, Status.False, reason, "blocked until the spec is fixed");
                egress(ConnectorReports.Round.EMPTY, new AppConnectorStatus());
                keepPrevious(CONFIG_APPLIED);
                yield lookedAt();
            }
            case IPSETS_PENDING -> {
                Optional<Condition> wasReady = previousCondition(READY).filter(c -> TRUE.equals(c.getStatus()));
                if (wasReady.isPresent()) {
                    conditions.set(READY, Status.True, wasReady.get().getReason(), wasReady.get().getMessage());
                } else {
                    conditions.set(READY, Status.False, reason, message);
                }
                conditions.set(PROGRESSING, Status.True, reason, message);
                conditions.set(DEGRADED, Status.False, reason, message);
                egress(ConnectorReports.Round.EMPTY, new AppConnectorStatus());
                keepPrevious(CONFIG_APPLIED);
                yield lookedAt();
            }
            case CHILDREN_APPLIED -> childrenApplied();
        };
        status.setConditions(conditions.toList());
        return status;
    }

    private AppConnectorStatus childrenApplied() {
        Objects.requireNonNull(rollout, "the rollout must be reported once the children are applied");
        AppConnectorStatus status = new AppConnectorStatus();
        status.setObservedGeneration(generation);
        status.setPublicKey(publicKey);
        status.setEndpoints(endpoints);
        status.setClientConfigMap(clientConfigMap);
        egress(reports, status);
        status.setReadyReplicas(rollout.ready());
        rolloutConditions(rollout);
        if (renderedConfig != null) {
            configConditions(ConfigInForce.of(renderedConfig, reports.reports()));
        }
        if (serviceCreation != null) {
            serviceConditions(serviceCreation);
        }
        return status;
    }

    /** Ready, Progressing and Degraded from the Deployment's rollout. */
    private void rolloutConditions(RolloutState state) {
        int desired = state.desired();
        int ready = state.ready();
        if (desired == 0) {
            conditions.set(READY, Status.False, Reason.SCALED_TO_ZERO, "spec.replicas is 0: nothing carries traffic");
            conditions.set(PROGRESSING, Status.False, Reason.STABLE, "scaled to zero");
            conditions.set(DEGRADED, Status.False, Reason.AS_EXPECTED, "");
            return;
        }
        String counts = ready + "/" + desired + " connector pods ready";
        if (ready >= desired) {
            conditions.set(READY, Status.True, Reason.ALL_REPLICAS_READY, counts);
        } else if (ready > 0) {
            conditions.set(READY, Status.True, Reason.SOME_REPLICAS_READY, counts);
        } else {
            conditions.set(READY, Status.False, Reason.NO_REPLICAS_READY, counts);
        }
        if (state.rollingOut()) {
            conditions.set(PROGRESSING, Status.True, Reason.ROLLING_OUT,
                    state.updated() + "/" + desired + " pods updated, " + counts);
        } else {
            conditions.set(PROGRESSING, Status.False, Reason.STABLE, counts);
        }
        boolean degraded = ready < desired && !state.rollingOut();
        conditions.set(DEGRADED, degraded ? Status.True : Status.False,
                degraded ? Reason.REPLICAS_UNAVAILABLE : Reason.AS_EXPECTED, degraded ? counts : "");
    }

    /** ConfigApplied, and what a config not in force means for Ready, Progressing and Degraded (class comment). */
    private void configConditions(ConfigInForce.Verdict verdict) {
        conditions.set(CONFIG_APPLIED, verdict.status(), verdict.reason(), verdict.message());
        if (!verdict.notApplied()) {
            return;
        }
        Condition ready = conditions.current(READY);
        if (TRUE.equals(ready.getStatus())) {
            conditions.set(READY, Status.True, ready.getReason(), ready.getMessage()
                    + "; serving the previous config: the newest is not in force yet (ConfigApplied " + verdict.reason()
                    + ")");
        }
        if (!TRUE.equals(conditions.statusOf(PROGRESSING))) {
            conditions.set(PROGRESSING, Status.True, verdict.reason(), verdict.message());
        }
        if (Reason.CONFIG_REFUSED.equals(verdict.reason()) && !TRUE.equals(conditions.statusOf(DEGRADED))) {
            conditions.set(DEGRADED, Status.True, verdict.reason(), verdict.message());
        }
    }

    /** {@code type} as last written, when it was. */
    private void keepPrevious(String type) {
        previousCondition(type).ifPresent(c -> conditions.set(type, Status.valueOf(c.getStatus()), c.getReason(),
                c.getMessage()));
    }

    /** Without its Service no client can connect, whatever the pods say. */
    private void serviceConditions(ServiceCreations.Outcome creation) {
        String service = "Service " + serviceName;
        if (creation instanceof ServiceCreations.Outcome.Failed failed) {
            String text = "creating " + service + ": " + failed.message();
            conditions.set(READY, Status.False, Reason.APPLY_FAILED, text);
            conditions.set(DEGRADED, Status.True, Reason.APPLY_FAILED, text);
        } else {
            conditions.set(READY, Status.False, Reason.SERVICE_PENDING, "creating " + service);
            conditions.set(PROGRESSING, Status.True, Reason.SERVICE_PENDING, "creating " + service);
        }
    }

    /**
     * EgressVerified, and flows, names and egress IPs as the pods report them; the egress IPs are the observed ones
     * once any is known. Pods whose answer was refused are named in the message, never counted.
     */
    private void egress(ConnectorReports.Round round, AppConnectorStatus status) {
        List<ConnectorReports.Report> reported = round.reports();
        String refused = round.refused().isEmpty() ? ""
                : "; not counted: " + round.refused().stream().map(ConnectorReports.Refusal::toString)
                        .collect(Collectors.joining(", "));
        String declared = spec.getEgress().getElasticIP();
        List<String> observed = reported.stream().map(ConnectorReports.Report::observedEgressIP)
                .filter(Objects::nonNull).distinct().sorted().toList();
        status.setEgressIPs(observed.isEmpty() ? List.of(declared) : observed);
        status.setActiveFlows(reported.isEmpty() ? null
                : reported.stream().mapToLong(ConnectorReports.Report::activeFlows).sum());
        status.setMappedNames(reported.isEmpty() ? null
                : reported.stream().mapToLong(ConnectorReports.Report::mappedNames).sum());
        if (spec.getEgress().getVerify() == null) {
            conditions.set(EGRESS_VERIFIED, Status.Unknown, Reason.NOT_REQUESTED,
                    "spec.egress.verify is not set; the egress IP is declared, not checked");
        } else if (reported.isEmpty() || observed.isEmpty()) {
            conditions.set(EGRESS_VERIFIED, Status.Unknown, Reason.AWAITING_DATA_PLANE,
                    "waiting for the connector pods to report their observed egress IP" + refused);
        } else if (observed.equals(List.of(declared))
                && reported.stream().allMatch(ConnectorReports.Report::egressVerified)) {
            conditions.set(EGRESS_VERIFIED, Status.True, Reason.VERIFIED,
                    reported.size() + " pods observe egress " + declared + refused);
        } else {
            conditions.set(EGRESS_VERIFIED, Status.False, Reason.MISMATCH,
                    "pods observe egress " + String.join(", ", observed) + ", expected " + declared + refused);
        }
    }

    /** The last written fields, with this generation and the key marked as looked at. */
    private AppConnectorStatus lookedAt() {
        AppConnectorStatus status = carriedOver();
        status.setObservedGeneration(generation);
        if (publicKey != null) {
            status.setPublicKey(publicKey);
        }
        return status;
    }

    /** What the cluster last reported, kept while this reconcile cannot compute it afresh. */
    private AppConnectorStatus carriedOver() {
        AppConnectorStatus status = new AppConnectorStatus();
        status.setObservedGeneration(previous.getObservedGeneration());
        status.setPublicKey(previous.getPublicKey());
        status.setEndpoints(previous.getEndpoints());
        status.setEgressIPs(previous.getEgressIPs());
        status.setReadyReplicas(previous.getReadyReplicas());
        status.setClientConfigMap(previous.getClientConfigMap());
        status.setActiveFlows(previous.getActiveFlows());
        status.setMappedNames(previous.getMappedNames());
        return status;
    }

    private Optional<Condition> previousCondition(String type) {
        return previous.getConditions() == null ? Optional.empty()
                : previous.getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    /** True when {@code type} was decided now with another status than before (or did not exist); after build. */
    boolean changed(String type) {
        requireBuilt();
        return conditions.changed(type);
    }

    /** The status decided for {@code type} ("True", "False", "Unknown"), null when not decided; after build. */
    String statusOf(String type) {
        requireBuilt();
        return conditions.statusOf(type);
    }

    private void requireBuilt() {
        if (!built) {
            throw new IllegalStateException("build() first");
        }
    }
}
