package dev.pinhole.wireguard;

import static dev.pinhole.wireguard.ProtocolConstants.*;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.wireguard.crypto.ChaChaPoly;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A WireGuard interface as a sans-I/O state machine: our identity, the peer table, cryptokey routing, receiver
 * indices and DoS state. The caller feeds it datagrams, outbound IP packets and ticks with the current monotonic
 * time; results come back through {@link Output} during the call.
 *
 * <p>Stages. Receive: type and exact length → (handshake) MAC1 → load check → MAC2/cookie reply → per-source
 * limit → Noise → session; (transport) index → expiry → replay pre-check → decrypt → replay window → keypair
 * rotation and timers → inner header → source AllowedIPs check → deliver; an index we do not hold goes to
 * {@link SessionRecovery} (a client whose session another replica held: handshake towards its source). Send:
 * destination AllowedIPs → peer → current keypair (or stage and initiate) → counter → pad → encrypt → send.
 *
 * <p>Threading: any number of threads may call in at once. Decryption and encryption run without locks on
 * immutable keys; the replay window, a peer's handshake/keypairs/timers, the index table and the DoS state each
 * have their own monitor, taken in the order peer → (index table | allowed IPs | cookie checker) and never back.
 */
public final class Tunnel {
    private static final long INITIATION_MIN_INTERVAL_NANOS = 1_000_000_000L / 50;

    private final TunnelConfig config;
    private final TimerConfig timers;
    private final LocalIdentity identity;
    private final PublicKey publicKey;
    private final IndexTable indices;
    private final CookieChecker cookieChecker;
    private final LoadMonitor load;
    private final SourceRateLimiter sourceLimiter;
    /**
     * Our indices are always recoverable ones, so any replica can take over our sessions; whether we take over
     * others' (start a handshake for an unknown index) is {@code recoveryOn}.
     */
    private final SessionRecovery recovery;
    private final boolean recoveryOn;
    private final AllowedIps allowedIps = new AllowedIps();
    private final ConcurrentHashMap<PublicKey, Peer> peers = new ConcurrentHashMap<>();
    private final DropCounters drops = new DropCounters();
    private final ThreadLocal<PacketScratch> scratch = ThreadLocal.withInitial(PacketScratch::new);
    private final SessionContext sessions;

    public Tunnel(TunnelConfig config) {
        this.config = config;
        this.timers = config.timers();
        this.identity = new LocalIdentity(config.privateKey());
        this.publicKey = PublicKey.of(identity.publicKey);
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(identity.privateKey);
        this.indices = new IndexTable(config.random(), format);
        this.recovery = new SessionRecovery(format, config.recovery(), timers);
        this.recoveryOn = config.recovery().enabled();
        this.cookieChecker = new CookieChecker(identity.publicKey, timers.cookieRefreshTime().toNanos(),
                config.random());
        this.load = new LoadMonitor(config.underLoadHandshakesPerSecond());
        this.sourceLimiter = new SourceRateLimiter(config.sourceHandshakesPerSecond(), config.sourceHandshakeBurst());
        this.sessions = new SessionContext(identity, indices, timers, config.mtu(), config.random(), config.clock(),
                drops, scratch);
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    public DropCounters drops() {
        return drops;
    }

    /** Session recovery attempts by outcome (all zero while recovery is off). */
    public RecoveryCounters recoveries() {
        return recovery.counters();
    }

    // ---------------------------------------------------------------- peers

    /** Adds a peer or updates an existing one in place (sessions survive an update). */
    public Peer upsertPeer(PeerConfig cfg) {
        Peer peer = peers.computeIfAbsent(cfg.publicKey(),
                k -> new Peer(k, sessions, recovery.tagOf(k)));
        peer.configure(cfg);
        allowedIps.set(peer, cfg.allowedIps());
        recovery.register(peer);
        return peer;
    }

    /** Removes a peer: its sessions are wiped and its indices forgotten at once. */
    public boolean removePeer(PublicKey key) {
        Peer peer = peers.remove(key);
        if (peer == null) {
            return false;
        }
        allowedIps.removePeer(peer);
        recovery.unregister(peer);
        peer.remove();
        return true;
    }

    public Optional<Peer> peer(PublicKey key) {
        return Optional.ofNullable(peers.get(key));
    }

    public Collection<Peer> peers() {
        return List.copyOf(peers.values());
    }

    public List<Cidr> allowedIps(Peer peer) {
        return allowedIps.prefixesOf(peer);
    }

    /** Starts a handshake with {@code key} now (if it has an endpoint), as the first send of data would. */
    public void initiateHandshake(PublicKey key, long now, Output out) {
        Peer peer = peers.get(key);
        if (peer != null) {
            peer.initiateHandshake(now, out);
        }
    }

    /** Sends a keepalive to {@code key} (handshaking first if needed). */
    public void sendKeepalive(PublicKey key, long now, Output out) {
        Peer peer = peers.get(key);
        if (peer != null) {
            peer.sendKeepalive(now, out);
        }
    }

    // ---------------------------------------------------------------- receive

    /** Handles one UDP datagram from {@code from}; never answers one that does not authenticate. */
    public void onDatagram(ByteBuffer datagram, InetSocketAddress from, long now, Output out) {
        int len = datagram.remaining();
        PacketScratch s = scratch.get();
        byte[] msg;
        int off;
        if (datagram.hasArray()) {
            msg = datagram.array();
            off = datagram.arrayOffset() + datagram.position();
        } else {
            if (len > s.inCopy.length) {
                drops.count(DropReason.MALFORMED);
                return;
            }
            datagram.get(datagram.position(), s.inCopy, 0, len);
            msg = s.inCopy;
            off = 0;
        }
        if (len < 4) {
            drops.count(DropReason.MALFORMED);
            return;
        }
        switch (Wire.intLe(msg, off)) {
            case TYPE_INITIATION:
                if (len != INITIATION_LEN) {
                    drops.count(DropReason.MALFORMED);
                } else {
                    receiveInitiation(msg, off, from, now, out);
                }
                break;
            case TYPE_RESPONSE:
                if (len != RESPONSE_LEN) {
                    drops.count(DropReason.MALFORMED);
                } else {
                    receiveResponse(msg, off, from, now, out);
                }
                break;
            case TYPE_COOKIE_REPLY:
                if (len != COOKIE_REPLY_LEN) {
                    drops.count(DropReason.MALFORMED);
                } else {
                    receiveCookieReply(msg, off, now);
                }
                break;
            case TYPE_TRANSPORT:
                if (len < TRANSPORT_MIN_LEN) {
                    drops.count(DropReason.MALFORMED);
                } else {
                    receiveTransport(msg, off, len, s, from, now, out);
                }
                break;
            default:
                drops.count(DropReason.MALFORMED);
        }
    }

    /** MAC1, then under load MAC2 (or a cookie reply) and the per-source limit; true to go on with Noise. */
    private boolean admitHandshake(byte[] msg, int off, int len, int senderIndex, InetSocketAddress from, long now,
            Output out) {
        if (!cookieChecker.checkMac1(msg, off, len)) {
            drops.count(DropReason.BAD_MAC1);
            return false;
        }
        if (load.recordAndCheck(now)) {
            if (!cookieChecker.checkMac2(msg, off, len, from, now)) {
                byte[] reply = cookieChecker.createReply(msg, off, len, senderIndex, from, now);
                out.send(ByteBuffer.wrap(reply), from);
                drops.count(DropReason.COOKIE_REQUIRED);
                return false;
            }
            if (!sourceLimiter.allow(from.getAddress(), now)) {
                drops.count(DropReason.RATE_LIMITED);
                return false;
            }
        }
        return true;
    }

    private void receiveInitiation(byte[] msg, int off, InetSocketAddress from, long now, Output out) {
        if (!admitHandshake(msg, off, INITIATION_LEN, Wire.intLe(msg, off + INIT_SENDER), from, now, out)) {
            return;
        }
        NoiseHandshake.Consumed consumed = NoiseHandshake.consumeInitiation(msg, off, identity, peers::get, now,
                INITIATION_MIN_INTERVAL_NANOS);
        if (consumed.drop() != null) {
            drops.count(consumed.drop());
            return;
        }
        consumed.peer().answerInitiation(from, now, out);
    }

    private void receiveResponse(byte[] msg, int off, InetSocketAddress from, long now, Output out) {
        if (!admitHandshake(msg, off, RESPONSE_LEN, Wire.intLe(msg, off + RESP_SENDER), from, now, out)) {
            return;
        }
        IndexTable.Entry entry = indices.lookup(Wire.intLe(msg, off + RESP_RECEIVER));
        if (entry == null || entry.keypair != null) {
            drops.count(DropReason.UNEXPECTED_HANDSHAKE);
            return;
        }
        entry.peer.receiveResponse(msg, off, from, now, out);
    }

    private void receiveCookieReply(byte[] msg, int off, long now) {
        IndexTable.Entry entry = indices.lookup(Wire.intLe(msg, off + COOKIE_RECEIVER));
        if (entry == null) {
            drops.count(DropReason.BAD_COOKIE_REPLY);
            return;
        }
        if (!entry.peer.receiveCookieReply(msg, off, now)) {
            drops.count(DropReason.BAD_COOKIE_REPLY);
        }
    }

    private void receiveTransport(byte[] msg, int off, int len, PacketScratch s, InetSocketAddress from,
            long now, Output out) {
        int receiver = Wire.intLe(msg, off + TRANSPORT_RECEIVER);
        IndexTable.Entry entry = indices.lookup(receiver);
        Keypair kp = entry == null ? null : entry.keypair;
        if (kp == null) {
            drops.count(DropReason.UNKNOWN_RECEIVER);
            if (entry == null && recoveryOn) {
                recoverSession(receiver, from, now, out);
            }
            return;
        }
        Peer peer = entry.peer;
        int plainLen = peer.receiveTransport(kp, msg, off, len, s, from, now, out);
        if (plainLen <= 0) {
            return;
        }
        int ipLen = innerLength(s.rxPlain, plainLen);
        if (ipLen < 0) {
            drops.count(DropReason.MALFORMED_INNER_PACKET);
            return;
        }
        boolean v4 = (s.rxPlain[0] & 0xf0) == 0x40;
        ByteBuffer view = s.rxView;
        view.limit(ipLen).position(0);
        if (allowedIps.lookup(view, v4 ? 12 : 8, v4 ? 4 : 16) != peer) {
            drops.count(DropReason.NO_ALLOWED_IP_FOR_SOURCE);
            return;
        }
        peer.delivered(ipLen);
        out.deliver(peer, view);
    }

    /**
     * A transport message to an index we never handed out, perhaps from a client whose session another replica
     * held (it died, the load balancer now sends the client here). Unless we are under load, when the index names
     * a configured client made for the message's source address and {@link SessionRecovery} admits it, one
     * initiation goes to that source, without retransmits: the client's next message after REKEY_TIMEOUT asks
     * again. Nothing here trusts the message: the endpoint moves only when the client's response authenticates,
     * and the response completes the handshake as any other does (with a keepalive at once, which makes the client
     * switch to the new session). The source must be the one the index was made for because the initiation is
     * what moves the client's endpoint: sent anywhere else, it could be relayed to the client from there.
     */
    private void recoverSession(int receiver, InetSocketAddress from, long now, Output out) {
        if (load.underLoad(now)) {
            recovery.count(RecoveryOutcome.UNDER_LOAD);
            return;
        }
        Peer peer = recovery.peerNamedBy(receiver, from, now);
        if (peer == null) {
            return;
        }
        peer.recoverTowards(from, recovery, now, out);
    }

    /** The IP packet's own length (padding removed), or -1 when the header is not a sane IPv4/IPv6 one. */
    private static int innerLength(byte[] p, int len) {
        int version = (p[0] & 0xff) >>> 4;
        if (version == 4 && len >= 20) {
            int total = (p[2] & 0xff) << 8 | (p[3] & 0xff);
            return total >= 20 && total <= len ? total : -1;
        }
        if (version == 6 && len >= 40) {
            int total = 40 + ((p[4] & 0xff) << 8 | (p[5] & 0xff));
            return total <= len ? total : -1;
        }
        return -1;
    }

    // ---------------------------------------------------------------- send

    /** Routes an IP packet by destination to its peer and sends it encrypted (or queues it behind a handshake). */
    public void onOutboundPacket(ByteBuffer ipPacket, long now, Output out) {
        int len = ipPacket.remaining();
        int pos = ipPacket.position();
        if (len < 1 || len > PacketScratch.SIZE - 64) {
            drops.count(len < 1 ? DropReason.MALFORMED_INNER_PACKET : DropReason.TOO_BIG);
            return;
        }
        int version = (ipPacket.get(pos) & 0xff) >>> 4;
        Peer peer;
        if (version == 4 && len >= 20) {
            peer = allowedIps.lookup(ipPacket, pos + 16, 4);
        } else if (version == 6 && len >= 40) {
            peer = allowedIps.lookup(ipPacket, pos + 24, 16);
        } else {
            drops.count(DropReason.MALFORMED_INNER_PACKET);
            return;
        }
        if (peer == null) {
            drops.count(DropReason.NO_ROUTE);
            return;
        }
        peer.send(ipPacket, now, out);
    }

    // ---------------------------------------------------------------- timers

    /** Runs expired timers of every peer; call it every ~100 ms (the jitter granularity does not need finer). */
    public void onTick(long now, Output out) {
        for (Peer peer : peers.values()) {
            peer.tick(now, out);
        }
        sourceLimiter.sweep(now);
    }

    /** Number of live receiver indices (handshakes plus keypairs); for leak checks. */
    int indexCount() {
        return indices.size();
    }
}
