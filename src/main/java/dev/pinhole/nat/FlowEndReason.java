package dev.pinhole.nat;

/** Why a flow left the table. */
public enum FlowEndReason {
    /** Both sides finished normally. */
    CLOSED,
    /** One side reset the connection, or a socket error ended it. */
    RESET,
    /** No traffic for the flow's idle timeout. */
    IDLE,
    /** The client was removed from the config, or the connector is stopping. */
    CUT,
    /** The real connect failed or timed out. */
    CONNECT_FAILED
}
