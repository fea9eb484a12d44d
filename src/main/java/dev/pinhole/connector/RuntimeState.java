package dev.pinhole.connector;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.records.RecordSettings;
import dev.pinhole.dns.resolver.DnsQueryHandler;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.wireguard.PublicKey;
import java.util.List;
import java.util.Map;

/**
 * Everything a config puts in force at once, swapped whole on the relay thread: the config itself, its clients by
 * key, the policy for new flows, the DNS handler and the upstream servers it was built for, what admitted a flow
 * (for its records) and which records are written.
 */
record RuntimeState(ConnectorConfig config, Map<PublicKey, Client> clients, Policy policy, DnsQueryHandler dns,
                    List<String> upstreamServers, FlowOrigins origins, RecordSettings records) {

    /** A configured client as the data plane knows it. */
    record Client(String name, PublicKey key, IpAddress address) {}
}
