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

    Feeds feeds();

    /**
     * Where IPSet sources may be fetched from (spec.sources): a namespace user who writes an IPSet must not make
     * the operator fetch from inside the cluster, so only these hosts, over https unless listed as plain http,
     * and never when the name resolves into the forbidden blocks.
     */
    interface Feeds {
        /** PINHOLE_FEEDS_ALLOWED_HOSTS: host names sources may use; empty: the presets' five hosts. */
        java.util.Optional<java.util.List<String>> allowedHosts();

        /** PINHOLE_FEEDS_PLAIN_HTTP_HOSTS: allowed hosts that may be fetched over plain http. */
        java.util.Optional<java.util.List<String>> plainHttpHosts();

        /**
         * PINHOLE_FEEDS_CLUSTER_RANGES: the cluster's pod, service and node ranges (CIDRs), which no feed host may
         * resolve into, besides loopback, link-local, metadata and the other built-in blocks; empty: the private
         * ranges, 100.64.0.0/10 and fc00::/7.
         */
        java.util.Optional<java.util.List<String>> clusterRanges();

        /**
         * PINHOLE_FEEDS_PRESET_ORIGINS: "preset=https://host:port" pairs replacing a preset's origin (a mirror,
         * or the test server of the e2e suite); its host must still be allowed.
         */
        java.util.Optional<java.util.List<String>> presetOrigins();

        /** PINHOLE_FEEDS_CA_FILE: PEM certificates trusted for feeds besides the JDK's (a mirror's own CA). */
        java.util.Optional<String> caFile();

        /** How many fetches run at once, off the reconcile threads. */
        @WithDefault("4")
        int concurrency();

        /** The fraction of its prefixes a feed may lose in one step before the new list is held back. */
        @WithDefault("0.5")
        double maxShrink();

        /**
         * PINHOLE_FEEDS_MAX_SOURCES_PER_NAMESPACE: the feeds (a preset may fetch two) one namespace's IPSets may
         * follow at once; a source past it is refused (SourcesOverBudget), the others keep theirs.
         */
        @WithDefault("128")
        int maxSourcesPerNamespace();

        /**
         * PINHOLE_FEEDS_MAX_PREFIXES_PER_NAMESPACE: the prefixes one namespace's sources may hold in the operator's
         * memory, each distinct list counted once (ten sets following one AWS feed hold one list); a list that
         * would go over is refused and the list in force stays.
         */
        @WithDefault("100000")
        int maxPrefixesPerNamespace();
    }

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
