package dev.pinhole.wireguard;

import java.util.Locale;

/**
 * What became of one transport message with an unknown receiver index while session recovery is on; each such
 * message (also counted as the drop {@link WireGuardDropReason#UNKNOWN_RECEIVER}) is counted under exactly one outcome.
 */
public enum RecoveryOutcome {
    /** A handshake initiation went to the message's source address. */
    STARTED,
    /**
     * The index names no configured client: forged, random, another connector's, a client removed since, or two
     * clients at once (same tag and endpoint check).
     */
    NOT_A_CLIENT,
    /**
     * The index names clients, but none of them was at the message's source when the index was made: a replay
     * from another address (an attacker's), a client that roamed, or a load balancer that rewrites sources. The
     * tag is not checked again for a minute and the failed checks of all clients share a small budget.
     */
    ENDPOINT_MISMATCH,
    /** The client has a session here that authenticated a message recently: the index is stale or replayed. */
    SESSION_LIVE,
    /**
     * A handshake with the client started less than REKEY_TIMEOUT ago, or an endpoint check for its tag failed
     * less than a minute ago (the per-client limits).
     */
    PEER_RATE_LIMITED,
    /**
     * The recovery initiations of all clients together are at their rate (the reflector bound), or so are the
     * failed endpoint checks.
     */
    GLOBAL_RATE_LIMITED,
    /** Handshakes are arriving above the cookie threshold: nothing that costs a handshake is started. */
    UNDER_LOAD;

    /** The metric label value: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
