package dev.pinhole.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Operator settings from application.properties or env (PINHOLE_CONNECTOR_IMAGE, PINHOLE_OPERATOR_APPLY_MODE). */
@ConfigMapping(prefix = "pinhole")
public interface OperatorSettings {

    /**
     * The namespace the operator's pod runs in (POD_NAMESPACE, which the chart and deploy/ set through the downward
     * API); empty when it runs outside a cluster.
     */
    static java.util.Optional<String> podNamespace() {
        return java.util.Optional.ofNullable(System.getenv("POD_NAMESPACE")).filter(ns -> !ns.isBlank());
    }

    Connector connector();

    Operator operator();

    LeaderElection leaderElection();

    /** Leader election among operator replicas (a Lease in the operator's namespace). */
    interface LeaderElection {
        /** PINHOLE_LEADER_ELECTION_ENABLED; the chart sets it with leaderElection.enabled. */
        @WithDefault("false")
        boolean enabled();

        @WithDefault("pinhole-operator")
        String leaseName();

        /** Namespace of the Lease; the chart passes POD_NAMESPACE through the downward API. */
        java.util.Optional<String> leaseNamespace();
    }

    /** Settings for the connector pods the operator creates. */
    interface Connector {
        /** Image of the connector pods; the chart sets it to the operator's own image. */
        @WithDefault("ghcr.io/pinhole-dev/pinhole:0.1.0")
        String image();

        /**
         * Namespaces, besides the operator's own (POD_NAMESPACE), whose pods may reach connector pods' TCP 9090
         * (metrics, health, /status): typically Prometheus's. Empty, with the operator's namespace unknown: open.
         */
        java.util.Optional<java.util.List<String>> metricsNamespaces();
    }

    /** How the operator itself behaves. */
    public interface Operator {
        /** server-side-apply (production) or update (only for the in-JVM mock API server used by tests). */
        @WithDefault("server-side-apply")
        String applyMode();

        /** Re-check period while something is not ready, in seconds; informer events cover the rest. */
        @WithDefault("30")
        int recheckSeconds();

        /**
         * Whether to read each ready connector pod's /status (egress verification, flows). Off only where pod IPs
         * are not real (simulated nodes), so the operator never sends traffic to addresses nobody owns.
         */
        @WithDefault("true")
        boolean probeConnectors();

        /**
         * How often the pods of a Ready connector are read again while probing is on, in seconds, so that
         * EgressVerified, activeFlows and mappedNames stay current (a later egress change is noticed).
         */
        @WithDefault("60")
        int reportSeconds();

        /**
         * How many new connector Services are created at once, off the reconcile threads. The API server allocates
         * cluster IPs one at a time; more at once only makes each wait longer (docs/scale.md).
         */
        @WithDefault("4")
        int serviceCreateConcurrency();

        /** Timeout of one /status read, in milliseconds. */
        @WithDefault("1500")
        int probeTimeoutMillis();

        /**
         * Whether spec.egress.verify.url may name a link-local, metadata, loopback, private or cluster-internal
         * host (see VerifyUrlTarget). Off: such an AppConnector is Degraded=InvalidSpec, so a tenant cannot make the
         * connector fetch the cloud metadata service or an in-cluster URL.
         */
        @WithDefault("false")
        boolean verifyUrlAllowInternal();
    }
}
