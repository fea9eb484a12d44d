package dev.pinhole.wireguard;

import dev.pinhole.time.TokenBucket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides whether a transport message with an unknown receiver index starts a handshake with the client it names
 * (a session another replica held, see {@link RecoverableIndex}). The index's tag picks the configured peers that
 * may hold it; its endpoint check must then match exactly one of them at the message's source address, so the
 * initiation can only go where that client was when the index was made: a replay from any other address (an
 * attacker's own, to which it would relay our initiation and so move the client's endpoint) starts nothing. Each
 * check that fails costs: the tag's peers are not checked again for {@link #MISMATCH_BACKOFF_NANOS}, and all tags
 * together get {@value #MISMATCHES_PER_SECOND} failed check per second (burst {@value #MISMATCH_BURST}), so
 * guessing the check bits online takes days per client and hours for any client (docs/wireguard.md). Then, for
 * the peer found: no live session here, no handshake with it in the last REKEY_TIMEOUT, and a token from the
 * global bucket. The load check and the initiation itself are the {@link WireGuardDevice}'s.
 *
 * <p>Locks: the directory and the buckets share this object's monitor, taken after a peer's (never before).
 */
final class SessionRecovery {
    /** How long a tag whose endpoint check failed is not checked again (per replica). */
    static final long MISMATCH_BACKOFF_NANOS = 60_000_000_000L;
    /** Failed endpoint checks per second, all tags together: bounds guessing across many clients. */
    static final int MISMATCHES_PER_SECOND = 1;
    static final int MISMATCH_BURST = 10;

    private final RecoverableIndex format;
    private final TimerConfig timers;
    private final RecoveryCounters counters = new RecoveryCounters();
    private final TokenBucket initiations;
    private final TokenBucket mismatches = new TokenBucket(MISMATCHES_PER_SECOND, MISMATCH_BURST);
    /** Configured peers by tag. Several peers may share a tag: the endpoint check tells them apart. */
    private final Map<Integer, TagHolders> byTag = new HashMap<>();

    /** The configured peers whose indices carry one tag, and when an endpoint check for the tag last failed. */
    private static final class TagHolders {
        final List<Peer> peers = new ArrayList<>(1);
        long lastMismatchNanos;
        boolean mismatched;

        boolean backingOff(long now) {
            return mismatched && now - lastMismatchNanos < MISMATCH_BACKOFF_NANOS;
        }
    }

    private final boolean takesOver;

    SessionRecovery(RecoverableIndex format, SessionRecoverySettings settings, TimerConfig timers) {
        this.format = format;
        this.timers = timers;
        this.initiations = new TokenBucket(settings.perSecond(), settings.burst());
        this.takesOver = settings.enabled();
    }

    /**
     * Our indices are always recoverable ones, so any replica can take over our sessions; whether we take over
     * others' (start a handshake for an unknown index) is this setting.
     */
    boolean takesOverUnknownIndices() {
        return takesOver;
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
        if (peer.recoveryTag() < 0 || peer.staticStatic() == null) {
            return;
        }
        TagHolders holders = byTag.computeIfAbsent(peer.recoveryTag(), t -> new TagHolders());
        if (!holders.peers.contains(peer)) {
            holders.peers.add(peer);
        }
    }

    synchronized void unregister(Peer peer) {
        TagHolders holders = byTag.get(peer.recoveryTag());
        if (holders != null && holders.peers.remove(peer) && holders.peers.isEmpty()) {
            byTag.remove(peer.recoveryTag());
        }
    }

    /**
     * The one configured peer {@code index} names whose endpoint check matches {@code from}, or null, counted:
     * {@link RecoveryOutcome#NOT_A_CLIENT} (no peer has the tag, or two match), {@link
     * RecoveryOutcome#PEER_RATE_LIMITED} (the tag's check failed less than a back-off ago), {@link
     * RecoveryOutcome#GLOBAL_RATE_LIMITED} (no failed check left in the budget) or {@link
     * RecoveryOutcome#ENDPOINT_MISMATCH} (no peer's check matches: charged to the tag and the budget). The check is
     * computed only when a failure could be paid for, so no message tests it for free.
     */
    Peer peerNamedBy(int index, InetSocketAddress from, long now) {
        int opened = format.open(index);
        int tag = RecoverableIndex.tagOfOpened(opened);
        int check = RecoverableIndex.checkOfOpened(opened);
        RecoveryOutcome refused;
        synchronized (this) {
            TagHolders holders = byTag.get(tag);
            if (holders == null) {
                refused = RecoveryOutcome.NOT_A_CLIENT;
            } else if (holders.backingOff(now)) {
                refused = RecoveryOutcome.PEER_RATE_LIMITED;
            } else if (!mismatches.available(now)) {
                refused = RecoveryOutcome.GLOBAL_RATE_LIMITED;
            } else {
                Peer named = null;
                int matching = 0;
                for (Peer p : holders.peers) {
                    if (format.checkOf(p.publicKey(), from) == check) {
                        named = p;
                        matching++;
                    }
                }
                if (matching == 1) {
                    return named;
                }
                if (matching == 0) {
                    holders.mismatched = true;
                    holders.lastMismatchNanos = now;
                    mismatches.take(now);
                    refused = RecoveryOutcome.ENDPOINT_MISMATCH;
                } else {
                    refused = RecoveryOutcome.NOT_A_CLIENT;
                }
            }
        }
        counters.count(refused);
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
        if (peer.removed()) {
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
        Keypair kp = peer.currentKeypair();
        if (kp == null || kp.destroyed() || now - kp.createdNanos >= timers.rejectAfterTime().toNanos()) {
            return false;
        }
        long window = timers.keepaliveTimeout().toNanos() + timers.rekeyTimeout().toNanos();
        return peer.authenticatedWithin(now, window);
    }

    /** We sent an initiation, or answered one whose session is not yet confirmed, less than REKEY_TIMEOUT ago. */
    private boolean handshakeRecent(Peer peer, long now) {
        long rekeyTimeout = timers.rekeyTimeout().toNanos();
        if (peer.initiationSentWithin(now, rekeyTimeout)) {
            return true;
        }
        Keypair pending = peer.pendingKeypair();
        return pending != null && !pending.destroyed() && now - pending.createdNanos < rekeyTimeout;
    }

    private synchronized boolean takeToken(long now) {
        return initiations.take(now);
    }
}
