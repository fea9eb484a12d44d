package dev.pinhole.operator;

/** Condition types and reasons the operator writes; reasons are CamelCase as the API conventions ask. */
public final class ConditionTypes {
    private ConditionTypes() {}

    public static final String READY = "Ready";
    public static final String PROGRESSING = "Progressing";
    public static final String DEGRADED = "Degraded";
    public static final String EGRESS_VERIFIED = "EgressVerified";
    /** AppConnectors: whether the connector pods run the config the operator rendered last. */
    public static final String CONFIG_APPLIED = "ConfigApplied";
    public static final String INVALID = "Invalid";
    /** IPSets with sources: whether a source's list in force is older than allowed (or there is none). */
    public static final String STALE = "Stale";

    /** Reasons shared by both kinds. */
    public static final class Reason {
        private Reason() {}

        public static final String RESOLVED = "Resolved";
        public static final String VALID = "Valid";
        public static final String INVALID_ENTRY = "InvalidEntry";
        public static final String UNKNOWN_REFERENCE = "UnknownReference";
        public static final String INCLUDE_CYCLE = "IncludeCycle";
        public static final String INVALID_SELECTOR = "InvalidSelector";
        public static final String INVALID_SPEC = "InvalidSpec";
        public static final String INVALID_SOURCE = "InvalidSource";
        public static final String SOURCE_UNAVAILABLE = "SourceUnavailable";
        public static final String SOURCE_STALE = "SourceStale";
        /** A source refused for a namespace budget (pinhole.feeds.max-sources/prefixes-per-namespace). */
        public static final String SOURCES_OVER_BUDGET = "SourcesOverBudget";
        /** A set resolving to more CIDRs than a connector's route table holds (ConfigCheck.MAX_ROUTES). */
        public static final String TOO_MANY_CIDRS = "TooManyCidrs";
        public static final String SOURCES_FRESH = "SourcesFresh";
        public static final String ALL_REPLICAS_READY = "AllReplicasReady";
        public static final String SOME_REPLICAS_READY = "SomeReplicasReady";
        public static final String NO_REPLICAS_READY = "NoReplicasReady";
        public static final String SCALED_TO_ZERO = "ScaledToZero";
        public static final String ROLLING_OUT = "RollingOut";
        public static final String STABLE = "Stable";
        public static final String AS_EXPECTED = "AsExpected";
        public static final String APPLY_FAILED = "ApplyFailed";
        public static final String IPSET_NOT_READY = "IPSetNotReady";
        public static final String IPSET_PENDING = "IPSetPending";
        public static final String REPLICAS_UNAVAILABLE = "ReplicasUnavailable";
        public static final String SERVICE_PENDING = "ServicePending";
        public static final String AWAITING_DATA_PLANE = "AwaitingDataPlane";
        public static final String VERIFIED = "Verified";
        public static final String MISMATCH = "Mismatch";
        public static final String NOT_REQUESTED = "NotRequested";
        public static final String CONFIG_IN_FORCE = "InForce";
        public static final String CONFIG_WAITING = "ConfigWaiting";
        public static final String CONFIG_STALE = "ConfigStale";
        public static final String CONFIG_REFUSED = "ConfigRefused";
    }
}
