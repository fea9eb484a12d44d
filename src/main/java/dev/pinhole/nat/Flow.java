package dev.pinhole.nat;

/**
 * One entry of the {@link FlowTable}: a tunnel-side flow bound to a real socket. Confined to the relay loop's
 * thread, like the table.
 */
public abstract sealed class Flow permits TcpFlow, UdpFlow {
    final FlowKey key;
    final String client;
    final long createdNanos;
    long lastActivityNanos;
    FlowEndReason endReason;

    Flow(FlowKey key, String client, long now) {
        this.key = key;
        this.client = client;
        this.createdNanos = now;
        this.lastActivityNanos = now;
    }

    public FlowKey key() {
        return key;
    }

    /** The name of the client (peer) that owns the flow. */
    public String client() {
        return client;
    }

    /** Monotonic time of the last byte or segment seen either way. */
    public long lastActivityNanos() {
        return lastActivityNanos;
    }

    /** True once the flow left the table. */
    public boolean ended() {
        return endReason != null;
    }

    /** The real socket address the flow dialled (for TCP: the target being tried or connected), or null before any. */
    public abstract java.net.InetSocketAddress realTarget();

    /** The idle timeout that applies to the flow in its current state. */
    abstract long idleTimeoutNanos(NatTimeouts timeouts);

    /** Ends the flow now: sockets closed (reset where it makes sense), the table entry removed. */
    abstract void end(FlowEndReason reason);
}
