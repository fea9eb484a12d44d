package dev.pinhole.netstack.tcp;

/** What {@link TcpSender#onAck} made of a segment's acknowledgment field (RFC 9293 3.10.7.4 step 5). */
enum AckVerdict {
    /** It acknowledges something never sent: drop the segment and answer with an ACK. */
    AHEAD,
    /** Older than the connection's recent past (RFC 5961 5.2): drop the segment and send a challenge ACK. */
    STALE,
    /** Acceptable; go on with the segment's text and FIN. */
    ACCEPTED,
    /** Acceptable, and it acknowledges our FIN: the connection moves on (FIN_WAIT_2, TIME_WAIT or CLOSED). */
    FIN_ACKED
}
