package dev.pinhole.nat;

/**
 * One entry of the {@link FlowTable}: a tunnel-side flow bound to a real socket. Confined to the relay loop's
 * thread, like the table.
 */
public abstract sealed class Flow permits TcpFlow, UdpFlow {
    final FlowKey key;
    final String client;
    final long createdNanos;
    /** What the opener knows of why the flow was admitted (the connector: its app or route); opaque here. */
    final Object label;
    long lastActivityNanos;
    FlowEndReason endReason;
    // Plain fields of the loop thread, added to where the flow already handles the bytes: no per-packet cost
    // beyond an add (docs/flow-records.md).
    long bytesFromClient;
    long bytesToClient;
    long packetsFromClient;
    long packetsToClient;

    Flow(FlowKey key, String client, long now, Object label) {
        this.key = key;
        this.client = client;
        this.createdNanos = now;
        this.lastActivityNanos = now;
        this.label = label;
    }

    /** Monotonic (ticker) time the flow entered the table. */
    public long createdNanos() {
        return createdNanos;
    }

    /** What the opener attached when it opened the flow, or null. */
    public Object label() {
        return label;
    }

    /** Payload bytes the client sent that went to the destination (TCP: taken by the socket; UDP: datagrams). */
    public long bytesFromClient() {
        return bytesFromClient;
    }

    /** Payload bytes from the destination handed towards the client. */
    public long bytesToClient() {
        return bytesToClient;
    }

    /** IP packets of the flow from the client (TCP: every segment, retransmissions and ACKs included). */
    public long packetsFromClient() {
        return packetsFromClient;
    }

    /** IP packets of the flow sent to the client. */
    public long packetsToClient() {
        return packetsToClient;
    }

    /** Why the flow left the table, or null while it is live. */
    public FlowEndReason endReason() {
        return endReason;
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
