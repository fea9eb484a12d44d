package dev.pinhole.wireguard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a transport message with an unknown receiver index starts a handshake with the client it names
 * (a session another replica held, see {@link RecoverableIndex}). The client is found by the index's tag among
 * the configured peers; a tag that names no peer, or two, starts nothing. Then, in order: no live session here,
 * no handshake with that client in the last REKEY_TIMEOUT, and a token from the global bucket. The load check
 * and the initiation itself are the {@link Tunnel}'s.
 *
 * <p>Locks: the directory and the bucket share this object's monitor, taken after a peer's (never before).
 */
final class SessionRecovery {
    private static final long SECOND = 1_000_000_000L;

    private final RecoverableIndex format;
    private final TimerConfig timers;
    private final RecoveryCounters counters = new RecoveryCounters();
    private final long costNanos;
    private final long maxTokens;
    /** Configured peers by tag; a list longer than one is a collision: such a tag recovers nothing. */
    private final Map<Integer, List<Peer>> byTag = new HashMap<>();
    private long tokens;
    private long lastRefillNanos;
    private boolean refilledAny;

    SessionRecovery(RecoverableIndex format, SessionRecoverySettings settings, TimerConfig timers) {
        this.format = format;
        this.timers = timers;
        this.costNanos = SECOND / settings.perSecond();
        this.maxTokens = costNanos * settings.burst();
        this.tokens = maxTokens;
    }

    RecoveryCounters counters() {
        return counters;
    }

    /** The tag a new peer's indices carry. */
    int tagOf(PublicKey key) {
        return format.tagOf(key);
    }

    /** Makes {@code peer} recoverable (idempotent); a peer whose key is a low-order point cannot handshake at all. */
    synchronized void register(Peer peer) {
        if (peer.recoveryTag < 0 || peer.staticStatic == null) {
            return;
        }
        List<Peer> holders = byTag.computeIfAbsent(peer.recoveryTag, t -> new ArrayList<>(1));
        if (!holders.contains(peer)) {
            holders.add(peer);
        }
    }

    synchronized void unregister(Peer peer) {
        List<Peer> holders = byTag.get(peer.recoveryTag);
        if (holders != null && holders.remove(peer) && holders.isEmpty()) {
            byTag.remove(peer.recoveryTag);
        }
    }

    /** The one configured peer {@code index} names, or null (counted {@link RecoveryOutcome#NOT_A_CLIENT}). */
    Peer peerNamedBy(int index) {
        int tag = format.tagOfIndex(index);
        synchronized (this) {
            List<Peer> holders = byTag.get(tag);
            if (holders != null && holders.size() == 1) {
                return holders.get(0);
            }
        }
        counters.count(RecoveryOutcome.NOT_A_CLIENT);
        return null;
    }

    /**
     * Under {@code peer}'s lock: whether to start a handshake with it now. Counts every outcome except
     * {@link RecoveryOutcome#STARTED}, which the caller counts once the initiation is out.
     */
    RecoveryOutcome admit(Peer peer, long now) {
        RecoveryOutcome outcome = decide(peer, now);
        if (outcome != RecoveryOutcome.STARTED) {
            counters.count(outcome);
        }
        return outcome;
    }

    void count(RecoveryOutcome outcome) {
        counters.count(outcome);
    }

    private RecoveryOutcome decide(Peer peer, long now) {
        if (peer.removed) {
            return RecoveryOutcome.NOT_A_CLIENT;
        }
        if (hasLiveSession(peer, now)) {
            return RecoveryOutcome.SESSION_LIVE;
        }
        if (handshakeRecent(peer, now)) {
            return RecoveryOutcome.PEER_RATE_LIMITED;
        }
        if (!takeToken(now)) {
            return RecoveryOutcome.GLOBAL_RATE_LIMITED;
        }
        return RecoveryOutcome.STARTED;
    }

    /**
     * A session that carries data and authenticated a message from the client within KEEPALIVE + REKEY_TIMEOUT:
     * the span after which WireGuard itself takes a silent session for dead (its "new handshake" timer). A session
     * older than that may be one the client has left for another replica's, so it does not block recovery.
     */
    private boolean hasLiveSession(Peer peer, long now) {
        Keypair kp = peer.keypairs.current();
        if (kp == null || kp.destroyed() || now - kp.createdNanos >= timers.rejectAfterTime().toNanos()) {
            return false;
        }
        long window = timers.keepaliveTimeout().toNanos() + timers.rekeyTimeout().toNanos();
        return peer.receivedAny && now - peer.lastReceivedNanos < window;
    }

    /** We sent an initiation, or answered one whose session is not yet confirmed, less than REKEY_TIMEOUT ago. */
    private boolean handshakeRecent(Peer peer, long now) {
        long rekeyTimeout = timers.rekeyTimeout().toNanos();
        Handshake hs = peer.handshake;
        if (hs.sentAny && now - hs.lastSentInitiationNanos < rekeyTimeout) {
            return true;
        }
        Keypair pending = peer.keypairs.next();
        return pending != null && !pending.destroyed() && now - pending.createdNanos < rekeyTimeout;
    }

    private synchronized boolean takeToken(long now) {
        if (refilledAny) {
            long elapsed = Math.max(0, now - lastRefillNanos);
            tokens = elapsed >= maxTokens - tokens ? maxTokens : tokens + elapsed;
        }
        refilledAny = true;
        lastRefillNanos = now;
        if (tokens >= costNanos) {
            tokens -= costNanos;
            return true;
        }
        return false;
    }
}
