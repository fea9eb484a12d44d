package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.X25519;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.LongAdder;

/**
 * A configured peer and its live protocol state: handshake, the previous/current/next keypairs, timers, packets
 * waiting for a session, and its current endpoint. Mutable state is guarded by the peer's monitor.
 */
public final class Peer {
    static final int MAX_STAGED_PACKETS = 128;

    final PublicKey publicKey;
    /** DH(our static, their static), computed once; null when their key is a low-order point. */
    final byte[] staticStatic;
    final Handshake handshake = new Handshake();
    final CookieJar cookies;
    final PeerTimers timers;
    final ArrayDeque<byte[]> staged = new ArrayDeque<>();
    volatile byte[] presharedKey;
    volatile InetSocketAddress endpoint;
    volatile long persistentKeepaliveNanos;
    volatile boolean removed;
    final KeypairSlots keypairs;
    final LongAdder rxBytes = new LongAdder();
    final LongAdder txBytes = new LongAdder();
    volatile long lastHandshakeNanos;
    final LongAdder handshakesCompleted = new LongAdder();
    /** The tag our session indices for this peer carry ({@link RecoverableIndex}); -1: plain random indices. */
    final int recoveryTag;
    /** When a message from this peer last authenticated (transport or handshake); session recovery reads it. */
    long lastReceivedNanos;
    boolean receivedAny;

    Peer(PublicKey publicKey, byte[] ourPrivateKey, TimerConfig timerConfig, IndexTable indices) {
        this(publicKey, ourPrivateKey, timerConfig, indices, -1);
    }

    Peer(PublicKey publicKey, byte[] ourPrivateKey, TimerConfig timerConfig, IndexTable indices, int recoveryTag) {
        this.publicKey = publicKey;
        this.recoveryTag = recoveryTag;
        this.keypairs = new KeypairSlots(indices);
        this.staticStatic = X25519.sharedSecret(ourPrivateKey, publicKey.raw()).orElse(null);
        this.cookies = new CookieJar(publicKey.raw(), timerConfig.cookieRefreshTime().toNanos());
        this.timers = new PeerTimers(timerConfig);
    }

    byte[] presharedKeyOrZero() {
        byte[] psk = presharedKey;
        return psk == null ? NoiseHandshake.zeroKey() : psk;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** Where we send to: configured, or learned from the last authenticated packet (roaming). */
    public InetSocketAddress endpoint() {
        return endpoint;
    }

    /** Plaintext bytes received from this peer (delivered packets). */
    public long rxBytes() {
        return rxBytes.sum();
    }

    /** Plaintext bytes sent to this peer. */
    public long txBytes() {
        return txBytes.sum();
    }

    /** How many handshakes completed with this peer (a rekey adds one). */
    public long handshakesCompleted() {
        return handshakesCompleted.sum();
    }

    /** Monotonic time of the last completed handshake, 0 when none. */
    public long lastHandshakeNanos() {
        return lastHandshakeNanos;
    }

    /** True while a session key can carry data to this peer. */
    public synchronized boolean hasSession() {
        Keypair kp = keypairs.current();
        return kp != null && !kp.destroyed();
    }

    @Override
    public String toString() {
        return "Peer[" + publicKey + "]";
    }
}
