package dev.pinhole.netstack.tcp;

/** Connection states (RFC 9293 section 3.3.2). The connector opens passively; LISTEN never occurs. */
public enum TcpState {
    /** Only in the test-only active open: our SYN is out. */
    SYN_SENT,
    SYN_RECEIVED,
    ESTABLISHED,
    /** The peer sent FIN; we may still send. */
    CLOSE_WAIT,
    /** The peer sent FIN, we sent ours and wait for its ACK. */
    LAST_ACK,
    /** We sent FIN, not yet acknowledged; the peer may still send. */
    FIN_WAIT_1,
    /** Our FIN was acknowledged; the peer may still send. */
    FIN_WAIT_2,
    /** Both sent FIN at once; waiting for the ACK of ours. */
    CLOSING,
    /** Both directions are done; lingering to re-ACK a retransmitted FIN. */
    TIME_WAIT,
    CLOSED;

    /** True in states where a received segment can carry new data for the application. */
    boolean acceptsData() {
        return this == ESTABLISHED || this == FIN_WAIT_1 || this == FIN_WAIT_2;
    }

    /** True in states where queued data or our FIN may be (re)transmitted. */
    boolean sends() {
        return this == ESTABLISHED || this == CLOSE_WAIT || this == FIN_WAIT_1 || this == LAST_ACK
                || this == CLOSING;
    }
}
