package dev.pinhole.netstack.tcp;

/**
 * What the NAT layer hears from an endpoint. Calls are made synchronously at the end of the endpoint method that
 * caused them, on the caller's thread, once the endpoint's state is consistent; listeners may call back into the
 * endpoint (read, write, shutdownOutput, abort).
 */
public interface TcpEventListener {
    /** The three-way handshake completed (state left SYN_RECEIVED). */
    default void onConnected() {
    }

    /** {@link TcpEndpoint#read} would now return data or end-of-stream (-1). */
    default void onReadable() {
    }

    /** Send-buffer space was freed after a {@link TcpEndpoint#write} accepted less than offered. */
    default void onWritable() {
    }

    /** The endpoint reached CLOSED; it sends nothing more and the flow can be forgotten. */
    default void onClosed(CloseReason reason) {
    }

    /** A listener that ignores everything. */
    TcpEventListener NONE = new TcpEventListener() {
    };
}
