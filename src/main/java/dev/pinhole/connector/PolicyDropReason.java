package dev.pinhole.connector;

/** Why the connector's policy refused or dropped a client packet; each reason is counted. */
public enum PolicyDropReason {
    /** The packet came from a peer that is not (or no longer) a configured client. */
    UNKNOWN_PEER,
    /** The source is not the sending client's own tunnel address: dropped silently. */
    SPOOFED_SOURCE,
    /** A synthetic app address no name is mapped to (never handed out, or recycled). */
    NOT_MAPPED,
    /**
     * A mapped synthetic address whose current name this client was not answered on this replica: it resolved
     * the name on another replica before a failover, or the address was recycled or went to a colliding name
     * since. Refused (RST / ICMP) so the client's app re-resolves instead of reaching another name's app.
     */
    NOT_RESOLVED,
    /**
     * A synthetic address the config reserves for a name it lists exactly, not mapped on this replica yet (the
     * client resolved it on another replica before a failover): dropped silently while the connector resolves
     * the name for the client; the client's retransmission (TCP SYN after ~1 s) is forwarded.
     */
    RESOLVING,
    /**
     * The access rules grant this client neither the name its synthetic address maps nor a route holding the
     * destination (the connector serves it, to other clients): refused (RST / ICMP).
     */
    NOT_GRANTED,
    /** A destination neither synthetic nor inside a static route. */
    NO_ROUTE,
    /** Loopback, link-local, metadata, cluster or reserved ranges that no static route names. */
    FORBIDDEN_DESTINATION,
    /** The egress IP is not verified while {@code egress.enforce} is set: nothing is forwarded. */
    EGRESS_UNVERIFIED,
    /** A port of the tunnel address other than DNS. */
    TUNNEL_PORT_CLOSED,
    /** The inbound queue towards the relay thread was full (the relay thread is saturated). */
    QUEUE_FULL,
    /**
     * A live flow a config change took away (its name, route or client was removed or changed): ended at once,
     * TCP with a RST to the client, UDP with ICMP administratively prohibited; counted once per flow.
     */
    REVOKED,
    /** Handling the packet threw inside the connector: dropped and counted, never a stack trace per packet. */
    PACKET_FAILED,
    /** An inner packet larger than the tunnel MTU: a stock client never sends one; dropped before it is copied. */
    OVER_MTU
}
