package dev.pinhole.dns.resolver;

/** Why a client packet got no answer at all (RFC behaviour for garbage: drop, count, never answer). */
public enum DnsDropReason {
    /** The packet is not a decodable DNS message. */
    MALFORMED,
    /** QR is set: a response sent to the server port. */
    NOT_A_QUERY
}
