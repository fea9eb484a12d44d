package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.AeadKey;
import java.util.concurrent.atomic.AtomicLong;

/** One transport session's keys and counters, derived from one completed handshake. */
final class Keypair {
    final AeadKey sendKey;
    final AeadKey receiveKey;
    final AtomicLong sendCounter = new AtomicLong();
    final ReplayWindow replay = new ReplayWindow();
    final long createdNanos;
    final boolean initiator;
    final int localIndex;
    final int remoteIndex;

    Keypair(byte[] sendKey, byte[] receiveKey, long createdNanos, boolean initiator, int localIndex,
            int remoteIndex) {
        this.sendKey = new AeadKey(sendKey);
        this.receiveKey = new AeadKey(receiveKey);
        this.createdNanos = createdNanos;
        this.initiator = initiator;
        this.localIndex = localIndex;
        this.remoteIndex = remoteIndex;
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
