package dev.pinhole.wireguard;

import java.util.Arrays;

/** One peer's handshake in progress: the Noise chaining key and hash plus the ephemeral keys. Peer lock guards it. */
final class Handshake {
    HandshakeState state = HandshakeState.ZEROED;
    byte[] chainKey;
    byte[] hash;
    byte[] localEphemeralPrivate;
    byte[] remoteEphemeral;
    /** Our index for this handshake; 0 with {@code hasLocalIndex == false} when none is allocated. */
    int localIndex;
    boolean hasLocalIndex;
    int remoteIndex;
    /** Greatest TAI64N timestamp accepted from this peer; an initiation must carry a later one. */
    byte[] lastTimestamp = new byte[ProtocolConstants.TAI64N_LEN];
    long lastInitiationConsumedNanos;
    boolean consumedAny;
    long lastSentInitiationNanos;
    boolean sentAny;

    /** Zeroes the secrets; the timestamp high-water mark survives (it is what blocks replayed initiations). */
    void clear() {
        wipe(chainKey);
        wipe(hash);
        wipe(localEphemeralPrivate);
        chainKey = null;
        hash = null;
        localEphemeralPrivate = null;
        remoteEphemeral = null;
        state = HandshakeState.ZEROED;
    }

    private static void wipe(byte[] b) {
        if (b != null) {
            Arrays.fill(b, (byte) 0);
        }
    }
}
