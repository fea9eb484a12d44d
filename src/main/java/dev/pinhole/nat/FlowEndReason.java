package dev.pinhole.nat;

/** Why a flow left the table. */
public enum FlowEndReason {
    /** Both sides finished normally. */
    CLOSED,
    /** One side reset the connection, or a socket error ended it. */
    RESET,
    /** No traffic for the flow's idle timeout. */
    IDLE,
    /** The connector is stopping. */
    CUT,
    /** A config change took the flow's right away: its client, name or route was removed (or changed). */
    REVOKED,
    /** The real connect failed or timed out. */
    CONNECT_FAILED
}
