package dev.pinhole.netstack.tcp;

/** Why an endpoint reached {@link TcpState#CLOSED}. */
public enum CloseReason {
    /** Both sides closed and the FIN exchange completed (after TIME_WAIT when we closed first). */
    NORMAL,
    /** The peer sent an acceptable RST. */
    RESET_BY_PEER,
    /** Retransmissions, keepalive or zero-window probes went unanswered; we sent RST. */
    TIMED_OUT,
    /** The local side called {@link TcpEndpoint#abort()}. */
    ABORTED
}
