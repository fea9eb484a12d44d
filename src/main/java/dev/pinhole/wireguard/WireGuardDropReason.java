package dev.pinhole.wireguard;

/** Why a datagram or packet was dropped without a reply; every drop is counted under exactly one reason. */
public enum WireGuardDropReason {
    /** Too short, wrong length for its type, or an unknown message type. */
    MALFORMED,
    /** A handshake message whose MAC1 is not for our public key. */
    BAD_MAC1,
    /** An initiation that authenticates but comes from a key that is not a configured peer. */
    UNKNOWN_PEER,
    /** A handshake message that fails its Noise authentication or DH. */
    HANDSHAKE_FAILED,
    /** A response or cookie reply that does not match a handshake we started. */
    UNEXPECTED_HANDSHAKE,
    /** An initiation whose TAI64N timestamp is not later than the last one accepted from that peer. */
    STALE_TIMESTAMP,
    /** Over the per-source handshake rate, or initiations from one peer faster than one per 20 ms. */
    RATE_LIMITED,
    /** A handshake message without a valid MAC2 while under load; answered by a cookie reply, not processed. */
    COOKIE_REQUIRED,
    /** A cookie reply that does not decrypt against our last MAC1. */
    BAD_COOKIE_REPLY,
    /** A transport message to an index we do not hold (with session recovery on, also a {@link RecoveryOutcome}). */
    UNKNOWN_RECEIVER,
    /** A transport message on a keypair past REJECT_AFTER_TIME, or a send racing a key wipe. */
    EXPIRED_KEYPAIR,
    /** A transport message that fails Poly1305 authentication. */
    DECRYPT_FAILED,
    /** A transport counter already seen or behind the replay window. */
    REPLAYED,
    /** A decrypted packet that is not a well-formed IPv4/IPv6 packet. */
    MALFORMED_INNER_PACKET,
    /** A decrypted packet whose source address is not in the sending peer's AllowedIPs. */
    NO_ALLOWED_IP_FOR_SOURCE,
    /** An outbound packet whose destination is in no peer's AllowedIPs. */
    NO_ROUTE,
    /** An outbound packet or handshake for a peer with no known endpoint. */
    NO_ENDPOINT,
    /** An outbound packet dropped because the peer's queue of packets awaiting a handshake is full. */
    QUEUE_FULL,
    /** An outbound packet larger than the MTU. */
    TOO_BIG
}
