package dev.pinhole.wireguard;

import java.util.Locale;

/**
 * What became of one transport message with an unknown receiver index while session recovery is on; each such
 * message (also counted as the drop {@link DropReason#UNKNOWN_RECEIVER}) is counted under exactly one outcome.
 */
public enum RecoveryOutcome {
    /** A handshake initiation went to the message's source address. */
    STARTED,
    /** The index names no configured client: forged, random, another connector's, or a client removed since. */
    NOT_A_CLIENT,
    /** The client has a session here that authenticated a message recently: the index is stale or replayed. */
    SESSION_LIVE,
    /** A handshake with the client started less than REKEY_TIMEOUT ago (the per-client limit). */
    PEER_RATE_LIMITED,
    /** The recovery initiations of all clients together are at their rate (the reflector bound). */
    GLOBAL_RATE_LIMITED,
    /** Handshakes are arriving above the cookie threshold: nothing that costs a handshake is started. */
    UNDER_LOAD;

    /** The metric label value: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
