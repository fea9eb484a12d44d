package dev.pinhole.dns.resolver;

/**
 * Why a client query was not handled: garbage gets no answer at all (RFC behaviour: drop, count, never answer);
 * a name the client may not reach is answered REFUSED at once and counted here too.
 */
public enum DnsDropReason {
    /** The packet is not a decodable DNS message. */
    MALFORMED,
    /** QR is set: a response sent to the server port. */
    NOT_A_QUERY,
    /**
     * A served name this client's access rules do not grant it: answered REFUSED (extended error "Blocked")
     * before anything is asked upstream or mapped, so no synthetic address is spent on it.
     */
    NOT_GRANTED
}
