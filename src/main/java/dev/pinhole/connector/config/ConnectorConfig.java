package dev.pinhole.connector.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.pinhole.connector.records.RecordSettings;
import java.util.List;

/**
 * The connector's configuration file, format {@value #FORMAT}: what the operator renders into the ConfigMap and
 * the connector loads (and reloads) at start. Documented in docs/connector-config.md.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record ConnectorConfig(
        String format,
        String name,
        String namespace,
        WireGuardInterface tunnel,
        List<Client> clients,
        List<String> domains,
        List<String> routes,
        Egress egress,
        Dns dns,
        Http http,
        Network network,
        Limits limits,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<AccessRule> access,
        Records records,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<PeerShard> peerShards) {

    /** A config whose clients are all inline (no {@code peerShards}). */
    public ConnectorConfig(String format, String name, String namespace, WireGuardInterface tunnel,
                           List<Client> clients, List<String> domains, List<String> routes, Egress egress, Dns dns,
                           Http http, Network network, Limits limits, List<AccessRule> access, Records records) {
        this(format, name, namespace, tunnel, clients, domains, routes, egress, dns, http, network, limits, access,
                records, null);
    }

    /** A config without a {@code records} section: the default records (docs/flow-records.md). */
    public ConnectorConfig(String format, String name, String namespace, WireGuardInterface tunnel,
                           List<Client> clients, List<String> domains, List<String> routes, Egress egress, Dns dns,
                           Http http, Network network, Limits limits, List<AccessRule> access) {
        this(format, name, namespace, tunnel, clients, domains, routes, egress, dns, http, network, limits, access,
                null);
    }

    /** A config without {@code access} rules: every client reaches every app (docs/access.md). */
    public ConnectorConfig(String format, String name, String namespace, WireGuardInterface tunnel,
                           List<Client> clients, List<String> domains, List<String> routes, Egress egress, Dns dns,
                           Http http, Network network, Limits limits) {
        this(format, name, namespace, tunnel, clients, domains, routes, egress, dns, http, network, limits, null);
    }

    /** A config without a {@code network} or {@code limits} section (own addresses only, default limits). */
    public ConnectorConfig(String format, String name, String namespace, WireGuardInterface tunnel,
                           List<Client> clients, List<String> domains, List<String> routes, Egress egress, Dns dns,
                           Http http) {
        this(format, name, namespace, tunnel, clients, domains, routes, egress, dns, http, null, null, null);
    }

    /** A config without a {@code limits} section: every bound at its default. */
    public ConnectorConfig(String format, String name, String namespace, WireGuardInterface tunnel,
                           List<Client> clients, List<String> domains, List<String> routes, Egress egress, Dns dns,
                           Http http, Network network) {
        this(format, name, namespace, tunnel, clients, domains, routes, egress, dns, http, network, null, null);
    }

    /** This config with {@code access} as its rules (null or empty: every client reaches every app). */
    public ConnectorConfig withAccess(List<AccessRule> access) {
        return new ConnectorConfig(format, name, namespace, tunnel, clients, domains, routes, egress, dns, http,
                network, limits, access, records, peerShards);
    }

    /** This config with {@code records} as its record settings (null: the defaults). */
    public ConnectorConfig withRecords(Records records) {
        return new ConnectorConfig(format, name, namespace, tunnel, clients, domains, routes, egress, dns, http,
                network, limits, access, records, peerShards);
    }

    /** This config with {@code clients} as its clients (the shards' clients merged in: {@link PeerShardFiles}). */
    public ConnectorConfig withClients(List<Client> clients) {
        return new ConnectorConfig(format, name, namespace, tunnel, clients, domains, routes, egress, dns, http,
                network, limits, access, records, peerShards);
    }

    /** This config with {@code shards} as the peer shard files it names (null or empty: none). */
    public ConnectorConfig withPeerShards(List<PeerShard> shards) {
        return new ConnectorConfig(format, name, namespace, tunnel, clients, domains, routes, egress, dns, http,
                network, limits, access, records, shards);
    }

    /** The shards named, never null. */
    public List<PeerShard> peerShardList() {
        return peerShards == null ? List.of() : peerShards;
    }

    /** The records in force: {@link #records()} over {@link RecordSettings#DEFAULTS}; call on a checked config. */
    public RecordSettings effectiveRecords() {
        return records == null ? RecordSettings.DEFAULTS : records.over(RecordSettings.DEFAULTS);
    }

    /**
     * True when the config carries access rules or any client carries groups; otherwise every client reaches every
     * app (configs from before rules existed). Groups count too, so deleting the last rule of a connector whose
     * clients are grouped closes access instead of opening every app to every client.
     */
    public boolean restrictsAccess() {
        if (access != null && !access.isEmpty()) {
            return true;
        }
        return clients != null && clients.stream().anyMatch(c -> c != null && !c.groupList().isEmpty());
    }

    /** The resource budget in force: {@link #limits()} over {@link Limits#DEFAULTS}. */
    public Limits effectiveLimits() {
        return Limits.DEFAULTS.overriddenBy(limits);
    }

    /** The only format this build reads and writes; a new incompatible layout gets a new suffix. */
    public static final String FORMAT = "pinhole.dev/connector-config/v1";

    /**
     * The connector's WireGuard interface (key {@code tunnel}, kept for compatibility): its tunnel address with
     * prefix, UDP port, MTU and the pool of synthetic app addresses routed through it.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WireGuardInterface(String address, int listenPort, int mtu, String appRange) {}

    /**
     * One peer: name for counters, public key, the single tunnel address it may use as source, and the groups
     * the access rules grant apps to (null or empty: none).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Client(String name, String publicKey, String address,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> groups) {
        /** A client in no group. */
        public Client(String name, String publicKey, String address) {
            this(name, publicKey, address, null);
        }

        /** The groups, never null. */
        public List<String> groupList() {
            return groups == null ? List.of() : groups;
        }
    }

    /**
     * One access rule (docs/access.md): the clients it names and the members of its groups may reach its domain
     * patterns (each one of the config's domains or under one of its wildcards) and its routes (each inside the
     * config's routes). A flow is admitted when some rule grants its client its name or its destination.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record AccessRule(String name, List<String> groups, List<String> clients, List<String> domains,
                             List<String> routes) {
        public List<String> groupList() {
            return groups == null ? List.of() : groups;
        }

        public List<String> clientList() {
            return clients == null ? List.of() : clients;
        }

        public List<String> domainList() {
            return domains == null ? List.of() : domains;
        }

        public List<String> routeList() {
            return routes == null ? List.of() : routes;
        }
    }

    /**
     * A file of more clients beside the main config in the same directory (docs/connector-config.md#peer-shards):
     * its plain file name and the SHA-256 of its bytes (64 lower-case hex digits). The connector applies the
     * config only when every shard named is there with exactly that digest.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PeerShard(String file, String digest) {}

    /** The content of one peer shard file, format {@value PeerShardFiles#FORMAT}: clients only. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PeerShardFile(String format, List<Client> clients) {}

    /** The egress the connector must leave through, and how it checks that. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Egress(String elasticIP, String verifyUrl, boolean enforce) {}

    /** Upstream resolvers; empty means the pod's resolv.conf. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Dns(List<String> upstream) {}

    /** The health/metrics/status HTTP listener. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Http(int port) {}

    /** One bound of the resource budget: per client and for all clients together; null means the default. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Limit(Long perClient, Long total) {
        Limit overriddenBy(Limit other) {
            if (other == null) {
                return this;
            }
            return new Limit(other.perClient() != null ? other.perClient() : perClient,
                    other.total() != null ? other.total() : total);
        }
    }

    /**
     * The resource budget (docs/connector-config.md#limits): what one client and the whole connector may hold.
     * Any field or half of a field left out takes its default. Sized for the default pod (384 MiB limit, heap
     * 33% of it, about 126 MiB): see {@link #DEFAULTS}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Limits(Limit flows, Limit bufferBytes, Limit syntheticNames, Limit dnsQueries,
                         Limit dnsTcpSessions) {
        /**
         * Flows: 2,048 per client, 16,384 in all (each costs about 2.5 KiB of heap without its buffers: 40 MiB at
         * most). Buffered bytes: 8 MiB per client (32 flows with full 256 KiB send buffers), 48 MiB in all.
         * Synthetic names: 1,024 per client, 65,536 in all (the pool's own cap). DNS queries in flight: 128 per
         * client, 1,024 in all. DNS-over-TCP sessions: 8 per client, 64 in all.
         */
        public static final Limits DEFAULTS = new Limits(new Limit(2_048L, 16_384L),
                new Limit(8L << 20, 48L << 20), new Limit(1_024L, 65_536L), new Limit(128L, 1_024L),
                new Limit(8L, 64L));

        Limits overriddenBy(Limits other) {
            if (other == null) {
                return this;
            }
            return new Limits(flows.overriddenBy(other.flows()), bufferBytes.overriddenBy(other.bufferBytes()),
                    syntheticNames.overriddenBy(other.syntheticNames()), dnsQueries.overriddenBy(other.dnsQueries()),
                    dnsTcpSessions.overriddenBy(other.dnsTcpSessions()));
        }
    }

    /**
     * What the operator knows of the network around the connector, never reached (added to the built-in forbidden
     * blocks): the addresses of the nodes the connector may run on, and the cluster's pod ranges it can see.
     * Static routes may name them as they name other cluster ranges.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Network(List<String> nodeAddresses, List<String> clusterRanges) {}

    /**
     * Which records the connector writes to standard output (docs/flow-records.md); any field left out takes its
     * default ({@link RecordSettings#DEFAULTS}).
     *
     * @param flows             end, startAndEnd or none
     * @param refusals          whether refused flows are recorded
     * @param lookups           whether DNS queries are recorded
     * @param clientEndpoints   include or omit
     * @param refusalsPerSecond refusal records per client, reason and second after a burst of 10 (1..100)
     * @param activeTimeoutSeconds an update record for every flow open this long, and at every further multiple
     *                          (0: none; 0..86400)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Records(String flows, Boolean refusals, Boolean lookups, String clientEndpoints,
                          Integer refusalsPerSecond, Integer activeTimeoutSeconds) {
        /** Without an active timeout of its own (the default applies). */
        public Records(String flows, Boolean refusals, Boolean lookups, String clientEndpoints,
                       Integer refusalsPerSecond) {
            this(flows, refusals, lookups, clientEndpoints, refusalsPerSecond, null);
        }

        /** These fields over {@code defaults}; values must have passed {@link ConfigCheck}. */
        public RecordSettings over(RecordSettings defaults) {
            return new RecordSettings(
                    flows == null ? defaults.flows() : RecordSettings.FlowRecords.of(flows),
                    refusals == null ? defaults.refusals() : refusals,
                    lookups == null ? defaults.lookups() : lookups,
                    clientEndpoints == null ? defaults.clientEndpoints() : "include".equals(clientEndpoints),
                    refusalsPerSecond == null ? defaults.refusalsPerSecond() : refusalsPerSecond,
                    activeTimeoutSeconds == null ? defaults.activeTimeoutSeconds() : activeTimeoutSeconds);
        }
    }
}
