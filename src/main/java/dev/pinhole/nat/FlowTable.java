package dev.pinhole.nat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The live flows by 5-tuple, with the per-client and global limits and the idle sweep. Confined to the relay
 * loop's thread; the counts are also published for other threads (metrics, status) through volatile reads.
 */
public final class FlowTable {
    private final Map<FlowKey, Flow> flows = new HashMap<>();
    private final Map<String, Integer> perClient = new HashMap<>();
    private volatile FlowLimits limits;
    private volatile int size;
    private volatile int tcpFlows;
    private volatile int udpFlows;

    public FlowTable(FlowLimits limits) {
        this.limits = limits;
    }

    /** New limits apply to new flows; flows over a lowered limit are left alone. */
    public void limits(FlowLimits limits) {
        this.limits = limits;
    }

    /** Empty when {@code client} may open one more flow, else why not. */
    public Optional<NatDropReason> admit(String client) {
        FlowLimits l = limits;
        if (flows.size() >= l.maxFlows()) {
            return Optional.of(NatDropReason.FLOW_LIMIT_GLOBAL);
        }
        if (perClient.getOrDefault(client, 0) >= l.maxFlowsPerClient()) {
            return Optional.of(NatDropReason.FLOW_LIMIT_CLIENT);
        }
        return Optional.empty();
    }

    public Flow get(FlowKey key) {
        return flows.get(key);
    }

    void add(Flow flow) {
        if (flows.putIfAbsent(flow.key, flow) != null) {
            throw new IllegalStateException("flow already present: " + flow.key);
        }
        perClient.merge(flow.client, 1, Integer::sum);
        recount(flow, 1);
    }

    void remove(Flow flow) {
        if (flows.remove(flow.key, flow)) {
            perClient.computeIfPresent(flow.client, (k, n) -> n <= 1 ? null : n - 1);
            recount(flow, -1);
        }
    }

    private void recount(Flow flow, int delta) {
        size = flows.size();
        if (flow instanceof TcpFlow) {
            tcpFlows = tcpFlows + delta;
        } else {
            udpFlows = udpFlows + delta;
        }
    }

    /** Flows now (any thread). */
    public int size() {
        return size;
    }

    public int tcpFlows() {
        return tcpFlows;
    }

    public int udpFlows() {
        return udpFlows;
    }

    /** Flows {@code client} holds now (loop thread). */
    public int sizeOf(String client) {
        return perClient.getOrDefault(client, 0);
    }

    /** Flows per client (loop thread); a copy. */
    public Map<String, Integer> perClient() {
        return new HashMap<>(perClient);
    }

    /** Ends every flow of {@code client}; returns how many. */
    public int endAllOf(String client, FlowEndReason reason) {
        List<Flow> victims = new ArrayList<>();
        for (Flow f : flows.values()) {
            if (f.client.equals(client)) {
                victims.add(f);
            }
        }
        victims.forEach(f -> f.end(reason));
        return victims.size();
    }

    /** Ends the flow of {@code key} if it is live (loop thread); returns whether there was one. */
    public boolean end(FlowKey key, FlowEndReason reason) {
        Flow f = flows.get(key);
        if (f == null || f.ended()) {
            return false;
        }
        f.end(reason);
        return true;
    }

    /** A copy of the live flows (loop thread). */
    public List<Flow> flows() {
        return new ArrayList<>(flows.values());
    }

    /**
     * The flows in the table now, without a copy: for a pass that reads them on the owning thread and neither opens
     * nor ends one while it iterates (the record path's updates, every second).
     */
    public java.util.Collection<Flow> view() {
        return java.util.Collections.unmodifiableCollection(flows.values());
    }

    /** Ends every flow. */
    public void endAll(FlowEndReason reason) {
        new ArrayList<>(flows.values()).forEach(f -> f.end(reason));
    }

    /** Ends the flows idle for longer than their timeout at {@code now}; returns how many. */
    public int expireIdle(long now, NatTimeouts timeouts) {
        List<Flow> idle = new ArrayList<>();
        for (Flow f : flows.values()) {
            if (now - f.lastActivityNanos >= f.idleTimeoutNanos(timeouts)) {
                idle.add(f);
            }
        }
        idle.forEach(f -> f.end(FlowEndReason.IDLE));
        return idle.size();
    }
}
