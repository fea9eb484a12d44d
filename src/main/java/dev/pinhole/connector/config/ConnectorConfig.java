package dev.pinhole.connector.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
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
        Tunnel tunnel,
        List<Client> clients,
        List<String> domains,
        List<String> routes,
        Egress egress,
        Dns dns,
        Http http,
        Network network) {

    /** A config without a {@code network} section (the connector then knows only its own addresses). */
    public ConnectorConfig(String format, String name, String namespace, Tunnel tunnel, List<Client> clients,
                           List<String> domains, List<String> routes, Egress egress, Dns dns, Http http) {
        this(format, name, namespace, tunnel, clients, domains, routes, egress, dns, http, null);
    }

    /** The only format this build reads and writes; a new incompatible layout gets a new suffix. */
    public static final String FORMAT = "pinhole.dev/connector-config/v1";

    /** The WireGuard interface: the connector's tunnel address with prefix, UDP port, MTU and synthetic app pool. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tunnel(String address, int listenPort, int mtu, String appRange) {}

    /** One peer: name for counters, public key, and the single tunnel address it may use as source. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Client(String name, String publicKey, String address) {}

    /** The egress the connector must leave through, and how it checks that. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Egress(String elasticIP, String verifyUrl, boolean enforce) {}

    /** Upstream resolvers; empty means the pod's resolv.conf. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Dns(List<String> upstream) {}

    /** The health/metrics/status HTTP listener. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Http(int port) {}

    /**
     * What the operator knows of the network around the connector, never reached (added to the built-in forbidden
     * blocks): the addresses of the nodes the connector may run on, and the cluster's pod ranges it can see.
     * Static routes may name them as they name other cluster ranges.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Network(List<String> nodeAddresses, List<String> clusterRanges) {}
}
