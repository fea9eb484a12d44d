package dev.pinhole.nat;

/** Why the NAT layer refused or ended a flow; each reason is counted. */
public enum NatDropReason {
    /** The connector holds its global maximum of flows. */
    FLOW_LIMIT_GLOBAL,
    /** The client holds its maximum of flows. */
    FLOW_LIMIT_CLIENT,
    /** The real destination refused the connection (the client got a RST). */
    CONNECT_REFUSED,
    /** The real destination did not answer within the connect timeout (the client got a RST). */
    CONNECT_TIMEOUT,
    /** Opening a socket to the real destination failed locally (no route, no ports...). */
    SOCKET_ERROR,
    /** A TCP segment that is not a SYN for a flow we do not know (the client got a RST). */
    NO_FLOW,
    /** A UDP reply larger than the tunnel MTU: dropped, since we never fragment. */
    REPLY_TOO_BIG,
    /** The real destination answered a UDP datagram with ICMP port unreachable (relayed to the client). */
    PORT_UNREACHABLE,
    /**
     * A flow stopped reading from the app because its client's buffer budget (or the connector's) is full: the
     * app's socket fills and its window closes until the client reads; counted once per pause.
     */
    BUFFER_BUDGET,
    /**
     * A refused TCP segment (no flow, a flow limit) whose RST was withheld: the connector answers stray segments at
     * a bounded rate per client and in all ({@link dev.pinhole.netstack.tcp.NoConnectionResets}), so a flood of them
     * cannot make it send as much back. Counted instead of the refusal's own reason.
     */
    RESET_RATE_LIMITED
}
