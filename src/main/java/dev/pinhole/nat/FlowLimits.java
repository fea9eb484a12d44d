package dev.pinhole.nat;

/**
 * Bounds on the flow table: flows at once in total and per client, so one client cannot exhaust the connector's
 * sockets and memory for everyone else.
 */
public record FlowLimits(int maxFlows, int maxFlowsPerClient) {
    public FlowLimits {
        if (maxFlows < 1 || maxFlowsPerClient < 1) {
            throw new IllegalArgumentException("flow limits must be positive");
        }
    }

    /** 65,536 flows in total, 4,096 per client. */
    public static FlowLimits defaults() {
        return new FlowLimits(65_536, 4_096);
    }
}
