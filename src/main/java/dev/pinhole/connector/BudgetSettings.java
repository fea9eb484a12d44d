package dev.pinhole.connector;

import dev.pinhole.budget.Quota;
import dev.pinhole.budget.Resource;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.nat.FlowLimits;
import java.util.EnumMap;
import java.util.Map;

/** Turns the config's {@code limits} (over their defaults) into the flow table's limits and the budget's quotas. */
final class BudgetSettings {
    private BudgetSettings() {}

    static FlowLimits flowLimits(ConnectorConfig config) {
        ConnectorConfig.Limit flows = config.effectiveLimits().flows();
        return new FlowLimits((int) Math.min(Integer.MAX_VALUE, flows.total()),
                (int) Math.min(Integer.MAX_VALUE, flows.perClient()));
    }

    static Map<Resource, Quota> quotas(ConnectorConfig config) {
        ConnectorConfig.Limits l = config.effectiveLimits();
        Map<Resource, Quota> q = new EnumMap<>(Resource.class);
        q.put(Resource.BUFFER_BYTES, quota(l.bufferBytes()));
        q.put(Resource.SYNTHETIC_NAMES, quota(l.syntheticNames()));
        q.put(Resource.DNS_QUERIES, quota(l.dnsQueries()));
        q.put(Resource.DNS_TCP_SESSIONS, quota(l.dnsTcpSessions()));
        return q;
    }

    private static Quota quota(ConnectorConfig.Limit limit) {
        return new Quota(limit.perClient(), limit.total());
    }
}
