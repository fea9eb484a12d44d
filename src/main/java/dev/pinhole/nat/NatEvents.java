package dev.pinhole.nat;

/** What the NAT layer reports for metrics and per-client counters; called on the relay loop thread. */
public interface NatEvents {
    /** A new flow was refused, or a packet dropped, for {@code reason}. */
    default void refused(FlowKey key, String client, NatDropReason reason) {
    }

    /** A flow entered the table. */
    default void opened(Flow flow) {
    }

    /** A flow left the table. */
    default void ended(Flow flow, FlowEndReason reason) {
    }

    NatEvents NONE = new NatEvents() {
    };
}
