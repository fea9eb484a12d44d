package dev.pinhole.wireguard;

import java.util.SplittableRandom;

/**
 * The five per-peer timers of the WireGuard paper section 6 and their event hooks, named as in wireguard-go's
 * {@code device/timers.go}. Hooks only (re)arm deadlines; {@link Peer#tick} acts on expiry. Peer lock guards it.
 */
final class PeerTimers {
    final TimerSlot retransmitHandshake = new TimerSlot();
    final TimerSlot sendKeepalive = new TimerSlot();
    final TimerSlot newHandshake = new TimerSlot();
    final TimerSlot zeroKeyMaterial = new TimerSlot();
    final TimerSlot persistentKeepalive = new TimerSlot();
    int handshakeAttempts;
    boolean needAnotherKeepalive;
    boolean sentLastMinuteHandshake;

    private final TimerConfig config;
    /**
     * Jitter needs no secrecy, and it is drawn on the send path (re-arming {@link #newHandshake} after every packet
     * received): a SecureRandom there read the OS generator once per reply. Self-seeded, so the configured random
     * (scripted in the handshake vector test) sees exactly the draws the handshake makes.
     */
    private final SplittableRandom jitterRandom;

    PeerTimers(TimerConfig config) {
        this.config = config;
        this.jitterRandom = new SplittableRandom();
    }

    private long jitter() {
        return jitterRandom.nextInt(config.rekeyTimeoutJitterMaxMillis()) * 1_000_000L;
    }

    /** A data (non-keepalive) packet was sent: expect a reply within KEEPALIVE + REKEY_TIMEOUT, else rehandshake. */
    void dataSent(long now) {
        if (!newHandshake.armed()) {
            newHandshake.arm(now + config.keepaliveTimeout().toNanos() + config.rekeyTimeout().toNanos() + jitter());
        }
    }

    /** A data packet arrived: answer with a keepalive after KEEPALIVE_TIMEOUT unless we send something first. */
    void dataReceived(long now) {
        if (!sendKeepalive.armed()) {
            sendKeepalive.arm(now + config.keepaliveTimeout().toNanos());
        } else {
            needAnotherKeepalive = true;
        }
    }

    void anyAuthenticatedPacketSent() {
        sendKeepalive.disarm();
    }

    void anyAuthenticatedPacketReceived() {
        newHandshake.disarm();
    }

    void handshakeInitiated(long now) {
        retransmitHandshake.arm(now + config.rekeyTimeout().toNanos() + jitter());
    }

    void handshakeComplete() {
        retransmitHandshake.disarm();
        handshakeAttempts = 0;
        needAnotherKeepalive = false;
        sentLastMinuteHandshake = false;
    }

    /** New keys exist: wipe everything if nothing renews them within 3 x REJECT_AFTER_TIME. */
    void sessionDerived(long now) {
        zeroKeyMaterial.arm(now + 3 * config.rejectAfterTime().toNanos());
    }

    void anyAuthenticatedPacketTraversal(long now, long persistentKeepaliveNanos) {
        if (persistentKeepaliveNanos > 0) {
            persistentKeepalive.arm(now + persistentKeepaliveNanos);
        }
    }

    void stopAll() {
        retransmitHandshake.disarm();
        sendKeepalive.disarm();
        newHandshake.disarm();
        zeroKeyMaterial.disarm();
        persistentKeepalive.disarm();
    }
}
