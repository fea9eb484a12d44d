package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.AeadKey;
import dev.pinhole.wireguard.crypto.OpenStrategy;
import java.util.concurrent.atomic.AtomicLong;

/** One transport session's keys and counters, derived from one completed handshake. */
final class Keypair {
    /**
     * Forged messages after which a session opens with the tag check first: the JDK's one-pass open throws and
     * allocates for each forgery, so a peer that learnt a live receiver index could otherwise make every packet of
     * a flood cost an exception. A few forgeries are also what a corrupting path shows; the session keeps working.
     */
    static final int FORGERIES_BEFORE_CHECK_FIRST = 8;

    final AeadKey sendKey;
    final AeadKey receiveKey;
    final AtomicLong sendCounter = new AtomicLong();
    final ReplayWindow replay = new ReplayWindow();
    final long createdNanos;
    final boolean initiator;
    final int localIndex;
    final int remoteIndex;
    /** Forged messages seen, up to {@link #FORGERIES_BEFORE_CHECK_FIRST}; racing receive threads may lose a count. */
    private volatile int forgeries;

    Keypair(byte[] sendKey, byte[] receiveKey, long createdNanos, boolean initiator, int localIndex,
            int remoteIndex) {
        this.sendKey = new AeadKey(sendKey);
        this.receiveKey = new AeadKey(receiveKey);
        this.createdNanos = createdNanos;
        this.initiator = initiator;
        this.localIndex = localIndex;
        this.remoteIndex = remoteIndex;
    }

    /** How to open this session's next message, given the device's preferred strategy. */
    OpenStrategy openStrategy(OpenStrategy preferred) {
        return forgeries < FORGERIES_BEFORE_CHECK_FIRST ? preferred : OpenStrategy.CHECK_FIRST;
    }

    /** A message under this session's index failed authentication. */
    void forged() {
        int seen = forgeries;
        if (seen < FORGERIES_BEFORE_CHECK_FIRST) {
            forgeries = seen + 1;
        }
    }

    /** Wipes both keys; any later use fails instead of encrypting under a dead key. */
    void destroy() {
        sendKey.destroy();
        receiveKey.destroy();
    }

    boolean destroyed() {
        return sendKey.isDestroyed();
    }
}
