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
    private static final int SCRATCH = 65536 + 64;

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
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread buffers; what {@link Output} receives aliases these until the callback returns. */
    private static final class Scratch {
        final byte[] inCopy = new byte[SCRATCH];
        final byte[] rxCipher = new byte[SCRATCH];
        final byte[] rxPlain = new byte[SCRATCH];
        final ByteBuffer rxView = ByteBuffer.wrap(rxPlain);
        final byte[] txPlain = new byte[SCRATCH];
        final byte[] txOut = new byte[SCRATCH];
        final ByteBuffer txView = ByteBuffer.wrap(txOut);
    }

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
                k -> new Peer(k, identity.privateKey, timers, indices, recovery.tagOf(k)));
        synchronized (peer) {
            peer.presharedKey = cfg.presharedKey();
            if (cfg.endpoint() != null) {
                peer.endpoint = cfg.endpoint();
            }
            peer.persistentKeepaliveNanos = cfg.persistentKeepalive().toNanos();
        }
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
        synchronized (peer) {
            peer.removed = true;
            zeroAll(peer);
            peer.timers.stopAll();
        }
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
            synchronized (peer) {
                sendHandshakeInitiation(peer, false, now, out);
            }
        }
    }

    /** Sends a keepalive to {@code key} (handshaking first if needed). */
    public void sendKeepalive(PublicKey key, long now, Output out) {
        Peer peer = peers.get(key);
        if (peer != null) {
            synchronized (peer) {
                sendKeepalive(peer, now, out);
            }
        }
    }

    // ---------------------------------------------------------------- receive

    /** Handles one UDP datagram from {@code from}; never answers one that does not authenticate. */
    public void onDatagram(ByteBuffer datagram, InetSocketAddress from, long now, Output out) {
        int len = datagram.remaining();
        Scratch s = scratch.get();
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
        Peer peer = consumed.peer();
        synchronized (peer) {
            if (peer.removed) {
                drops.count(DropReason.UNKNOWN_PEER);
                return;
            }
            peer.endpoint = from;
            authenticatedFrom(peer, now);
            Optional<byte[]> response = NoiseHandshake.createResponse(peer, indices, config.random(), from);
            if (response.isEmpty()) {
                drops.count(DropReason.HANDSHAKE_FAILED);
                return;
            }
            byte[] resp = response.get();
            peer.cookies.addMacs(resp, now);
            Keypair kp = NoiseHandshake.deriveKeypair(peer, indices, now);
            peer.keypairs.installAsResponder(kp);
            peer.timers.sessionDerived(now);
            peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveNanos);
            peer.timers.anyAuthenticatedPacketReceived();
            out.send(ByteBuffer.wrap(resp), from);
            peer.timers.anyAuthenticatedPacketSent();
        }
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
        Peer peer = entry.peer;
        synchronized (peer) {
            if (peer.removed) {
                drops.count(DropReason.UNKNOWN_PEER);
                return;
            }
            DropReason failed = NoiseHandshake.consumeResponse(msg, off, identity, peer);
            if (failed != null) {
                drops.count(failed);
                return;
            }
            peer.endpoint = from;
            authenticatedFrom(peer, now);
            peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveNanos);
            peer.timers.anyAuthenticatedPacketReceived();
            Keypair kp = NoiseHandshake.deriveKeypair(peer, indices, now);
            peer.keypairs.installAsInitiator(kp);
            peer.timers.sessionDerived(now);
            handshakeComplete(peer, now);
            sendKeepalive(peer, now, out);
        }
    }

    private void receiveCookieReply(byte[] msg, int off, long now) {
        IndexTable.Entry entry = indices.lookup(Wire.intLe(msg, off + COOKIE_RECEIVER));
        if (entry == null) {
            drops.count(DropReason.BAD_COOKIE_REPLY);
            return;
        }
        Peer peer = entry.peer;
        synchronized (peer) {
            if (peer.removed || !peer.cookies.consumeReply(msg, off, now)) {
                drops.count(DropReason.BAD_COOKIE_REPLY);
            }
        }
    }

    private void receiveTransport(byte[] msg, int off, int len, Scratch s, InetSocketAddress from, long now,
            Output out) {
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
        if (now - kp.createdNanos >= timers.rejectAfterTime().toNanos()) {
            drops.count(DropReason.EXPIRED_KEYPAIR);
            return;
        }
        long counter = Wire.longLe(msg, off + TRANSPORT_COUNTER);
        if (!kp.replay.couldAccept(counter, timers.rejectAfterMessages())) {
            drops.count(DropReason.REPLAYED);
            return;
        }
        int plainLen;
        // JDK 17's ChaCha20-Poly1305 allocates ~3.5 KB per decrypt when the ciphertext does not start at index 0
        // of its array (measured; JDK 25 does not): a 1.4 KB copy to offset 0 is cheaper than that garbage.
        int cipherLen = len - TRANSPORT_HEADER_LEN;
        System.arraycopy(msg, off + TRANSPORT_HEADER_LEN, s.rxCipher, 0, cipherLen);
        try {
            plainLen = ChaChaPoly.get().open(kp.receiveKey, counter, null, s.rxCipher, 0, cipherLen, s.rxPlain, 0);
        } catch (IllegalStateException destroyedMeanwhile) {
            drops.count(DropReason.EXPIRED_KEYPAIR);
            return;
        }
        if (plainLen < 0) {
            drops.count(DropReason.DECRYPT_FAILED);
            return;
        }
        if (!kp.replay.accept(counter, timers.rejectAfterMessages())) {
            drops.count(DropReason.REPLAYED);
            return;
        }
        synchronized (peer) {
            if (peer.removed) {
                drops.count(DropReason.UNKNOWN_RECEIVER);
                return;
            }
            if (!from.equals(peer.endpoint)) {
                peer.endpoint = from;
            }
            authenticatedFrom(peer, now);
            if (peer.keypairs.confirm(kp)) {
                handshakeComplete(peer, now);
                sendStaged(peer, now, out);
            }
            keepKeyFreshReceiving(peer, now, out);
            peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveNanos);
            peer.timers.anyAuthenticatedPacketReceived();
            if (plainLen == 0) {
                return;
            }
            peer.timers.dataReceived(now);
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
        peer.rxBytes.add(ipLen);
        out.deliver(peer, view);
    }

    /** Under the peer lock: a message from {@code peer} just authenticated (session recovery's liveness). */
    private static void authenticatedFrom(Peer peer, long now) {
        peer.lastReceivedNanos = now;
        peer.receivedAny = true;
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
        synchronized (peer) {
            if (recovery.admit(peer, now) != RecoveryOutcome.STARTED) {
                return;
            }
            if (writeInitiation(peer, from, now, out)) {
                recovery.count(RecoveryOutcome.STARTED);
            }
        }
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
        if (len < 1 || len > SCRATCH - 64) {
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
        sendPacket(peer, ipPacket, now, out);
    }

    private void sendPacket(Peer peer, ByteBuffer ipPacket, long now, Output out) {
        int len = ipPacket.remaining();
        Keypair kp;
        long counter;
        InetSocketAddress to;
        synchronized (peer) {
            if (peer.removed) {
                drops.count(DropReason.NO_ROUTE);
                return;
            }
            kp = peer.keypairs.current();
            to = peer.endpoint;
            if (to == null) {
                drops.count(DropReason.NO_ENDPOINT);
                return;
            }
            if (!usableForSending(kp, now)) {
                stage(peer, copyOf(ipPacket));
                sendHandshakeInitiation(peer, false, now, out);
                return;
            }
            counter = kp.sendCounter.getAndIncrement();
            if (Long.compareUnsigned(counter, timers.rejectAfterMessages()) >= 0) {
                kp.sendCounter.set(timers.rejectAfterMessages());
                stage(peer, copyOf(ipPacket));
                sendHandshakeInitiation(peer, false, now, out);
                return;
            }
            peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveNanos);
            peer.timers.anyAuthenticatedPacketSent();
            if (len > 0) {
                peer.timers.dataSent(now);
            }
            keepKeyFreshSending(peer, kp, now, out);
        }
        Scratch s = scratch.get();
        ipPacket.get(ipPacket.position(), s.txPlain, 0, len);
        sealAndSend(peer, kp, counter, s.txPlain, len, to, s, out);
    }

    private void sealAndSend(Peer peer, Keypair kp, long counter, byte[] plain, int len, InetSocketAddress to,
            Scratch s, Output out) {
        int padded = paddedLength(len);
        if (plain != s.txPlain) {
            System.arraycopy(plain, 0, s.txPlain, 0, len);
        }
        java.util.Arrays.fill(s.txPlain, len, padded, (byte) 0);
        byte[] o = s.txOut;
        Wire.putIntLe(o, 0, TYPE_TRANSPORT);
        Wire.putIntLe(o, TRANSPORT_RECEIVER, kp.remoteIndex);
        Wire.putLongLe(o, TRANSPORT_COUNTER, counter);
        int n;
        try {
            n = ChaChaPoly.get().seal(kp.sendKey, counter, null, s.txPlain, 0, padded, o, TRANSPORT_HEADER_LEN);
        } catch (IllegalStateException destroyedMeanwhile) {
            // The peer was removed or its keys zeroed between taking the counter and sealing.
            drops.count(DropReason.EXPIRED_KEYPAIR);
            return;
        }
        peer.txBytes.add(len);
        s.txView.limit(TRANSPORT_HEADER_LEN + n).position(0);
        out.send(s.txView, to);
    }

    /** Pads to a multiple of 16 without exceeding the MTU (packets already above the MTU are left as they are). */
    private int paddedLength(int len) {
        int mtu = config.mtu();
        int last = len > mtu ? len % mtu : len;
        int padded = (last + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
        if (padded > mtu) {
            padded = mtu;
        }
        return len + Math.max(0, padded - last);
    }

    private boolean usableForSending(Keypair kp, long now) {
        return kp != null && !kp.destroyed()
                && Long.compareUnsigned(kp.sendCounter.get(), timers.rejectAfterMessages()) < 0
                && now - kp.createdNanos < timers.rejectAfterTime().toNanos();
    }

    private static byte[] copyOf(ByteBuffer b) {
        byte[] copy = new byte[b.remaining()];
        b.get(b.position(), copy);
        return copy;
    }

    private void stage(Peer peer, byte[] packet) {
        if (peer.staged.size() >= Peer.MAX_STAGED_PACKETS) {
            peer.staged.pollFirst();
            drops.count(DropReason.QUEUE_FULL);
        }
        peer.staged.addLast(packet);
    }

    /** Under the peer lock: sends what waited for a session, or starts a handshake if there is none. */
    private void sendStaged(Peer peer, long now, Output out) {
        if (peer.staged.isEmpty()) {
            return;
        }
        Keypair kp = peer.keypairs.current();
        InetSocketAddress to = peer.endpoint;
        if (!usableForSending(kp, now)) {
            sendHandshakeInitiation(peer, false, now, out);
            return;
        }
        if (to == null) {
            return;
        }
        Scratch s = scratch.get();
        while (!peer.staged.isEmpty()) {
            byte[] packet = peer.staged.pollFirst();
            long counter = kp.sendCounter.getAndIncrement();
            if (Long.compareUnsigned(counter, timers.rejectAfterMessages()) >= 0) {
                kp.sendCounter.set(timers.rejectAfterMessages());
                peer.staged.addFirst(packet);
                sendHandshakeInitiation(peer, false, now, out);
                return;
            }
            peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveNanos);
            peer.timers.anyAuthenticatedPacketSent();
            if (packet.length > 0) {
                peer.timers.dataSent(now);
            }
            System.arraycopy(packet, 0, s.txPlain, 0, packet.length);
            sealAndSend(peer, kp, counter, s.txPlain, packet.length, to, s, out);
            keepKeyFreshSending(peer, kp, now, out);
        }
    }

    private void sendKeepalive(Peer peer, long now, Output out) {
        if (peer.staged.isEmpty()) {
            peer.staged.addLast(new byte[0]);
        }
        sendStaged(peer, now, out);
    }

    /** Under the peer lock. At most one initiation per REKEY_TIMEOUT; a retry keeps counting attempts. */
    private void sendHandshakeInitiation(Peer peer, boolean retry, long now, Output out) {
        if (!retry) {
            peer.timers.handshakeAttempts = 0;
        }
        Handshake hs = peer.handshake;
        if (hs.sentAny && now - hs.lastSentInitiationNanos < timers.rekeyTimeout().toNanos()) {
            return;
        }
        InetSocketAddress to = peer.endpoint;
        if (to == null) {
            drops.count(DropReason.NO_ENDPOINT);
            return;
        }
        if (!writeInitiation(peer, to, now, out)) {
            return;
        }
        peer.timers.anyAuthenticatedPacketTraversal(now, peer.persistentKeepaliveNanos);
        peer.timers.anyAuthenticatedPacketSent();
        peer.timers.handshakeInitiated(now);
    }

    /** Under the peer lock: creates an initiation (a new handshake, a new index), adds MACs, sends it to {@code to}. */
    private boolean writeInitiation(Peer peer, InetSocketAddress to, long now, Output out) {
        Handshake hs = peer.handshake;
        hs.lastSentInitiationNanos = now;
        hs.sentAny = true;
        Optional<byte[]> msg = NoiseHandshake.createInitiation(identity, peer, indices, config.random(),
                config.clock(), to);
        if (msg.isEmpty()) {
            drops.count(DropReason.HANDSHAKE_FAILED);
            return false;
        }
        byte[] m = msg.get();
        peer.cookies.addMacs(m, now);
        out.send(ByteBuffer.wrap(m), to);
        return true;
    }

    private void keepKeyFreshSending(Peer peer, Keypair kp, long now, Output out) {
        // Compared like wireguard-go: against the next counter to use, not the one just used. The message count
        // applies to both roles (a responder must not wait for REJECT_AFTER_MESSAGES); the age only to the
        // initiator, so the two sides do not both start a handshake when a session gets old.
        if (Long.compareUnsigned(kp.sendCounter.get(), timers.rekeyAfterMessages()) > 0
                || (kp.initiator && now - kp.createdNanos > timers.rekeyAfterTime().toNanos())) {
            sendHandshakeInitiation(peer, false, now, out);
        }
    }

    private void keepKeyFreshReceiving(Peer peer, long now, Output out) {
        Keypair kp = peer.keypairs.current();
        long limit = timers.rejectAfterTime().toNanos() - timers.keepaliveTimeout().toNanos()
                - timers.rekeyTimeout().toNanos();
        if (kp != null && kp.initiator && now - kp.createdNanos > limit && !peer.timers.sentLastMinuteHandshake) {
            peer.timers.sentLastMinuteHandshake = true;
            sendHandshakeInitiation(peer, false, now, out);
        }
    }

    private void handshakeComplete(Peer peer, long now) {
        peer.timers.handshakeComplete();
        peer.lastHandshakeNanos = now;
        peer.handshakesCompleted.increment();
    }

    /** Wipes every key and the handshake, and drops queued packets (REJECT_AFTER_TIME x 3 of silence, or removal). */
    private void zeroAll(Peer peer) {
        peer.keypairs.clear();
        NoiseHandshake.releaseIndex(peer.handshake, indices);
        peer.handshake.clear();
        peer.staged.clear();
    }

    // ---------------------------------------------------------------- timers

    /** Runs expired timers of every peer; call it every ~100 ms (the jitter granularity does not need finer). */
    public void onTick(long now, Output out) {
        for (Peer peer : peers.values()) {
            synchronized (peer) {
                if (peer.removed) {
                    continue;
                }
                tickPeer(peer, now, out);
            }
        }
        sourceLimiter.sweep(now);
    }

    private void tickPeer(Peer peer, long now, Output out) {
        PeerTimers t = peer.timers;
        if (t.retransmitHandshake.fire(now)) {
            if (t.handshakeAttempts > timers.maxHandshakeAttempts()) {
                t.sendKeepalive.disarm();
                peer.staged.clear();
                if (!t.zeroKeyMaterial.armed()) {
                    t.zeroKeyMaterial.arm(now + 3 * timers.rejectAfterTime().toNanos());
                }
            } else {
                t.handshakeAttempts++;
                sendHandshakeInitiation(peer, true, now, out);
            }
        }
        if (t.sendKeepalive.fire(now)) {
            sendKeepalive(peer, now, out);
            if (t.needAnotherKeepalive) {
                t.needAnotherKeepalive = false;
                t.sendKeepalive.arm(now + timers.keepaliveTimeout().toNanos());
            }
        }
        if (t.newHandshake.fire(now)) {
            sendHandshakeInitiation(peer, false, now, out);
        }
        if (t.zeroKeyMaterial.fire(now)) {
            zeroAll(peer);
        }
        if (t.persistentKeepalive.fire(now) && peer.persistentKeepaliveNanos > 0) {
            sendKeepalive(peer, now, out);
        }
    }

    /** Number of live receiver indices (handshakes plus keypairs); for leak checks. */
    int indexCount() {
        return indices.size();
    }
}
