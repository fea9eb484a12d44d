package dev.pinhole.wireguard;

import static dev.pinhole.wireguard.ProtocolConstants.*;

import dev.pinhole.wireguard.crypto.ChaChaPoly;
import dev.pinhole.wireguard.crypto.X25519;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * One configured peer and its session (the model is boringtun's {@code Tunn}): it owns the peer's handshake, its
 * previous/current/next keypairs, the five timers, packets waiting for a session and its current endpoint, and it
 * encrypts, decrypts and runs its timer ticks. Its state changes only through its own methods; the device above it
 * ({@link WireGuardDevice}) routes messages to it by receiver index, static key or allowed IP.
 *
 * <p>Lock: the peer's monitor guards all mutable state. Decryption and encryption run outside it on immutable
 * keys (the replay window and send counter are atomic or self-locked). Lock order: peer → (index table | allowed
 * IPs | cookie checker | session recovery), never back.
 */
public final class Peer {
    static final int MAX_STAGED_PACKETS = 128;

    private final PublicKey publicKey;
    /** DH(our static, their static), computed once; null when their key is a low-order point. */
    private final byte[] staticStatic;
    private final PeerContext ctx;
    private final TimerConfig timerConfig;
    private final Handshake handshake = new Handshake();
    /**
     * Created at the first handshake message to or from this peer: an idle peer (most of thousands configured)
     * holds no MAC keys, and no staging queue (below) until something waits for a session.
     */
    private CookieJar cookies;
    private final PeerTimers timers;
    /** Packets waiting for a session; null until the first one (an ArrayDeque allocates 16 slots up front). */
    private ArrayDeque<byte[]> staged;
    private final KeypairSlots keypairs;
    /** The tag our session indices for this peer carry ({@link RecoverableIndex}); -1: plain random indices. */
    private final int recoveryTag;
    private volatile byte[] presharedKey;
    private volatile InetSocketAddress endpoint;
    private volatile long persistentKeepaliveNanos;
    private volatile boolean removed;
    private final LongAdder rxBytes = new LongAdder();
    private final LongAdder txBytes = new LongAdder();
    private volatile long lastHandshakeNanos;
    private final LongAdder handshakesCompleted = new LongAdder();
    /** When a message from this peer last authenticated (transport or handshake); session recovery reads it. */
    private long lastReceivedNanos;
    private boolean receivedAny;

    /** A session on its own, with default context (tests of the handshake and index formats). */
    Peer(PublicKey publicKey, byte[] ourPrivateKey, TimerConfig timerConfig, IndexTable indices) {
        this(publicKey, ourPrivateKey, timerConfig, indices, -1);
    }

    Peer(PublicKey publicKey, byte[] ourPrivateKey, TimerConfig timerConfig, IndexTable indices, int recoveryTag) {
        this(publicKey, PeerContext.standalone(ourPrivateKey, timerConfig, indices), recoveryTag);
    }

    Peer(PublicKey publicKey, PeerContext ctx, int recoveryTag) {
        this.publicKey = publicKey;
        this.ctx = ctx;
        this.timerConfig = ctx.timers();
        this.recoveryTag = recoveryTag;
        this.keypairs = new KeypairSlots(ctx.indices());
        this.staticStatic = X25519.sharedSecret(ctx.identity().privateKey, publicKey.raw()).orElse(null);
        this.timers = new PeerTimers(timerConfig);
    }

    // ---------------------------------------------------------------- public view

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

    // ---------------------------------------------------------------- what the handshake and the device read

    int recoveryTag() {
        return recoveryTag;
    }

    byte[] staticStatic() {
        return staticStatic;
    }

    /** The handshake in progress; {@link NoiseHandshake} works on it while the caller holds this peer's lock. */
    Handshake handshake() {
        return handshake;
    }

    byte[] presharedKeyOrZero() {
        byte[] psk = presharedKey;
        return psk == null ? NoiseHandshake.zeroKey() : psk;
    }

    boolean removed() {
        return removed;
    }

    /** Under the lock: the keypair that carries data, or null. */
    Keypair currentKeypair() {
        return keypairs.current();
    }

    /** Under the lock: a responder's keypair waiting for the initiator's first message, or null. */
    Keypair pendingKeypair() {
        return keypairs.next();
    }

    /** Under the lock: whether a message from this peer authenticated less than {@code spanNanos} ago. */
    boolean authenticatedWithin(long now, long spanNanos) {
        return receivedAny && now - lastReceivedNanos < spanNanos;
    }

    /** Under the lock: whether we sent an initiation less than {@code spanNanos} ago. */
    boolean initiationSentWithin(long now, long spanNanos) {
        return handshake.sentAny && now - handshake.lastSentInitiationNanos < spanNanos;
    }

    // ---------------------------------------------------------------- configuration

    /** Applies a (re)configuration in place; sessions survive it. */
    synchronized void configure(PeerConfig cfg) {
        presharedKey = cfg.presharedKey();
        if (cfg.endpoint() != null) {
            endpoint = cfg.endpoint();
        }
        persistentKeepaliveNanos = cfg.persistentKeepalive().toNanos();
    }

    /** Sets only the preshared key (the handshake vector test). */
    synchronized void usePresharedKey(byte[] psk) {
        presharedKey = psk;
    }

    /** Under the lock: this peer's MAC keys and cookie, created at the first handshake message. */
    private CookieJar cookies() {
        if (cookies == null) {
            cookies = new CookieJar(publicKey.raw(), timerConfig.cookieRefreshTime().toNanos());
        }
        return cookies;
    }

    /** Adds MAC1 (and MAC2 when we hold a cookie) to a handshake message for this peer. */
    synchronized void addMacs(byte[] message, long now) {
        cookies().addMacs(message, now);
    }

    /** The peer is gone: its sessions are wiped, its indices forgotten and its timers stopped at once. */
    synchronized void remove() {
        removed = true;
        zeroAll();
        timers.stopAll();
    }

    // ---------------------------------------------------------------- handshake

    /**
     * Records an initiation from this peer that authenticated up to its timestamp: refused when the timestamp is
     * not newer than the last accepted one, or when one came less than {@code minIntervalNanos} ago.
     */
    synchronized WireGuardDropReason recordInitiation(byte[] chainKey, byte[] hash, byte[] remoteEphemeral, int remoteIndex,
            byte[] timestamp, long now, long minIntervalNanos) {
        if (removed) {
            return WireGuardDropReason.UNKNOWN_PEER;
        }
        Handshake hs = handshake;
        if (!Tai64n.after(timestamp, hs.lastTimestamp)) {
            return WireGuardDropReason.STALE_TIMESTAMP;
        }
        if (hs.consumedAny && now - hs.lastInitiationConsumedNanos < minIntervalNanos) {
            return WireGuardDropReason.RATE_LIMITED;
        }
        hs.clear();
        hs.chainKey = chainKey;
        hs.hash = hash;
        hs.remoteEphemeral = remoteEphemeral;
        hs.remoteIndex = remoteIndex;
        hs.lastTimestamp = timestamp;
        hs.lastInitiationConsumedNanos = now;
        hs.consumedAny = true;
        hs.state = HandshakeState.INITIATION_CONSUMED;
        return null;
    }

    /** Responder: answers the initiation just recorded, which came from {@code from}; its keypair waits in "next". */
    synchronized void answerInitiation(InetSocketAddress from, long now, Output out) {
        if (removed) {
            ctx.drops().count(WireGuardDropReason.UNKNOWN_PEER);
            return;
        }
        endpoint = from;
        authenticated(now);
        Optional<byte[]> response = NoiseHandshake.createResponse(this, ctx.indices(), ctx.random(), from);
        if (response.isEmpty()) {
            ctx.drops().count(WireGuardDropReason.HANDSHAKE_FAILED);
            return;
        }
        byte[] resp = response.get();
        cookies().addMacs(resp, now);
        Keypair kp = NoiseHandshake.deriveKeypair(this, ctx.indices(), now);
        keypairs.installAsResponder(kp);
        timers.sessionDerived(now);
        timers.anyAuthenticatedPacketTraversal(now, persistentKeepaliveNanos);
        timers.anyAuthenticatedPacketReceived();
        out.send(ByteBuffer.wrap(resp), from);
        timers.anyAuthenticatedPacketSent();
    }

    /** Initiator: consumes a response to our initiation; on success the session is current and a keepalive goes out. */
    synchronized void receiveResponse(byte[] msg, int off, InetSocketAddress from, long now, Output out) {
        if (removed) {
            ctx.drops().count(WireGuardDropReason.UNKNOWN_PEER);
            return;
        }
        WireGuardDropReason failed = NoiseHandshake.consumeResponse(msg, off, ctx.identity(), this);
        if (failed != null) {
            ctx.drops().count(failed);
            return;
        }
        endpoint = from;
        authenticated(now);
        timers.anyAuthenticatedPacketTraversal(now, persistentKeepaliveNanos);
        timers.anyAuthenticatedPacketReceived();
        Keypair kp = NoiseHandshake.deriveKeypair(this, ctx.indices(), now);
        keypairs.installAsInitiator(kp);
        timers.sessionDerived(now);
        handshakeComplete(now);
        keepalive(now, out);
    }

    /** A cookie reply for our last handshake message; false when it does not authenticate (or we are removed). */
    synchronized boolean receiveCookieReply(byte[] msg, int off, long now) {
        return !removed && cookies != null && cookies.consumeReply(msg, off, now);
    }

    /** Starts a handshake now (if there is an endpoint), as the first send of data would. */
    synchronized void initiateHandshake(long now, Output out) {
        sendHandshakeInitiation(false, now, out);
    }

    /**
     * Session recovery: one initiation to {@code from}, the source the unknown index was made for, when {@code
     * recovery} admits it (no live session, no recent handshake, a token left). The new handshake's index is not
     * {@code recoveredIndex}, the unknown index that asked for the recovery.
     */
    synchronized void recoverTowards(InetSocketAddress from, int recoveredIndex, SessionRecovery recovery, long now,
            Output out) {
        if (recovery.admit(this, now) != RecoveryOutcome.STARTED) {
            return;
        }
        if (writeInitiation(from, Integer.toUnsignedLong(recoveredIndex), now, out)) {
            recovery.count(RecoveryOutcome.STARTED);
        }
    }

    // ---------------------------------------------------------------- receive

    /**
     * Decrypts a transport message to {@code kp} (one of this peer's keypairs, found by its index) into {@code
     * s.rxPlain} and updates the session: roaming, confirmation of a pending keypair, rekeying, timers. Returns the
     * plaintext length (0: a keepalive), or -1 when the message was dropped (counted).
     */
    int receiveTransport(Keypair kp, byte[] msg, int off, int len, PacketScratch s, InetSocketAddress from,
            long now, Output out) {
        if (now - kp.createdNanos >= timerConfig.rejectAfterTime().toNanos()) {
            ctx.drops().count(WireGuardDropReason.EXPIRED_KEYPAIR);
            return -1;
        }
        long counter = Wire.longLe(msg, off + TRANSPORT_COUNTER);
        if (!kp.replay.couldAccept(counter, timerConfig.rejectAfterMessages())) {
            ctx.drops().count(WireGuardDropReason.REPLAYED);
            return -1;
        }
        int plainLen;
        // Opened where it lies in the datagram, without a copy to index 0: that copy avoided garbage of JDK 17's
        // ChaCha20-Poly1305 decryption, which open no longer uses; the tag check and the plain ChaCha20 after it
        // allocate the same at any offset (184 bytes per 1420-byte message on 17 and 25, measured).
        int cipherLen = len - TRANSPORT_HEADER_LEN;
        try {
            plainLen = ChaChaPoly.get().open(kp.openStrategy(ctx.openStrategy()), kp.receiveKey, counter, null, msg,
                    off + TRANSPORT_HEADER_LEN, cipherLen, s.rxPlain, 0);
        } catch (IllegalStateException destroyedMeanwhile) {
            ctx.drops().count(WireGuardDropReason.EXPIRED_KEYPAIR);
            return -1;
        }
        if (plainLen < 0) {
            kp.forged();
            ctx.drops().count(WireGuardDropReason.DECRYPT_FAILED);
            return -1;
        }
        if (!kp.replay.accept(counter, timerConfig.rejectAfterMessages())) {
            ctx.drops().count(WireGuardDropReason.REPLAYED);
            return -1;
        }
        return transportAuthenticated(kp, plainLen, from, now, out) ? plainLen : -1;
    }

    private synchronized boolean transportAuthenticated(Keypair kp, int plainLen, InetSocketAddress from, long now,
            Output out) {
        if (removed) {
            ctx.drops().count(WireGuardDropReason.UNKNOWN_RECEIVER);
            return false;
        }
        if (!from.equals(endpoint)) {
            endpoint = from;
        }
        authenticated(now);
        if (keypairs.confirm(kp)) {
            handshakeComplete(now);
            sendStaged(now, out);
        }
        keepKeyFreshReceiving(now, out);
        timers.anyAuthenticatedPacketTraversal(now, persistentKeepaliveNanos);
        timers.anyAuthenticatedPacketReceived();
        if (plainLen != 0) {
            timers.dataReceived(now);
        }
        return true;
    }

    /** A decrypted packet of {@code ipLength} bytes passed the source check and goes to the application. */
    void delivered(int ipLength) {
        rxBytes.add(ipLength);
    }

    /** Under the lock: a message from this peer just authenticated (session recovery's liveness). */
    private void authenticated(long now) {
        lastReceivedNanos = now;
        receivedAny = true;
    }

    // ---------------------------------------------------------------- send

    /** Encrypts an IP packet routed to this peer and sends it, or stages it behind a handshake. */
    void send(ByteBuffer ipPacket, long now, Output out) {
        int len = ipPacket.remaining();
        Keypair kp;
        long counter;
        InetSocketAddress to;
        synchronized (this) {
            if (removed) {
                ctx.drops().count(WireGuardDropReason.NO_ROUTE);
                return;
            }
            kp = keypairs.current();
            to = endpoint;
            if (to == null) {
                ctx.drops().count(WireGuardDropReason.NO_ENDPOINT);
                return;
            }
            if (!usableForSending(kp, now)) {
                stage(copyOf(ipPacket));
                sendHandshakeInitiation(false, now, out);
                return;
            }
            counter = kp.sendCounter.getAndIncrement();
            if (Long.compareUnsigned(counter, timerConfig.rejectAfterMessages()) >= 0) {
                kp.sendCounter.set(timerConfig.rejectAfterMessages());
                stage(copyOf(ipPacket));
                sendHandshakeInitiation(false, now, out);
                return;
            }
            timers.anyAuthenticatedPacketTraversal(now, persistentKeepaliveNanos);
            timers.anyAuthenticatedPacketSent();
            if (len > 0) {
                timers.dataSent(now);
            }
            keepKeyFreshSending(kp, now, out);
        }
        PacketScratch s = ctx.scratch().get();
        ipPacket.get(ipPacket.position(), s.txPlain, 0, len);
        sealAndSend(kp, counter, len, to, s, out);
    }

    /** Sends a keepalive (handshaking first if needed). */
    synchronized void sendKeepalive(long now, Output out) {
        keepalive(now, out);
    }

    /** Seals {@code s.txPlain[0, len)} under {@code kp} with {@code counter} and lends the datagram to {@code out}. */
    private void sealAndSend(Keypair kp, long counter, int len, InetSocketAddress to, PacketScratch s, Output out) {
        int padded = paddedLength(len);
        Arrays.fill(s.txPlain, len, padded, (byte) 0);
        byte[] o = s.txOut;
        Wire.putIntLe(o, 0, TYPE_TRANSPORT);
        Wire.putIntLe(o, TRANSPORT_RECEIVER, kp.remoteIndex);
        Wire.putLongLe(o, TRANSPORT_COUNTER, counter);
        int n;
        try {
            n = ChaChaPoly.get().seal(kp.sendKey, counter, null, s.txPlain, 0, padded, o, TRANSPORT_HEADER_LEN);
        } catch (IllegalStateException destroyedMeanwhile) {
            // The peer was removed or its keys zeroed between taking the counter and sealing.
            ctx.drops().count(WireGuardDropReason.EXPIRED_KEYPAIR);
            return;
        }
        txBytes.add(len);
        ByteBuffer datagram = s.lendSealed(TRANSPORT_HEADER_LEN + n);
        out.send(datagram, to);
        PacketScratch.takeBack(datagram);
    }

    /** Pads to a multiple of 16 without exceeding the MTU (packets already above the MTU are left as they are). */
    private int paddedLength(int len) {
        int mtu = ctx.mtu();
        int last = len > mtu ? len % mtu : len;
        int padded = (last + PADDING_MULTIPLE - 1) & ~(PADDING_MULTIPLE - 1);
        if (padded > mtu) {
            padded = mtu;
        }
        return len + Math.max(0, padded - last);
    }

    private boolean usableForSending(Keypair kp, long now) {
        return kp != null && !kp.destroyed()
                && Long.compareUnsigned(kp.sendCounter.get(), timerConfig.rejectAfterMessages()) < 0
                && now - kp.createdNanos < timerConfig.rejectAfterTime().toNanos();
    }

    private static byte[] copyOf(ByteBuffer b) {
        byte[] copy = new byte[b.remaining()];
        b.get(b.position(), copy);
        return copy;
    }

    /** Under the lock: queues a packet behind the handshake, dropping the oldest beyond the bound. */
    private void stage(byte[] packet) {
        if (staged == null) {
            staged = new ArrayDeque<>();
        }
        if (staged.size() >= MAX_STAGED_PACKETS) {
            staged.pollFirst();
            ctx.drops().count(WireGuardDropReason.QUEUE_FULL);
        }
        staged.addLast(packet);
    }

    /** Under the lock: sends what waited for a session, or starts a handshake if there is none. */
    private void sendStaged(long now, Output out) {
        if (staged == null || staged.isEmpty()) {
            return;
        }
        Keypair kp = keypairs.current();
        InetSocketAddress to = endpoint;
        if (!usableForSending(kp, now)) {
            sendHandshakeInitiation(false, now, out);
            return;
        }
        if (to == null) {
            return;
        }
        PacketScratch s = ctx.scratch().get();
        while (!staged.isEmpty()) {
            byte[] packet = staged.pollFirst();
            long counter = kp.sendCounter.getAndIncrement();
            if (Long.compareUnsigned(counter, timerConfig.rejectAfterMessages()) >= 0) {
                kp.sendCounter.set(timerConfig.rejectAfterMessages());
                staged.addFirst(packet);
                sendHandshakeInitiation(false, now, out);
                return;
            }
            timers.anyAuthenticatedPacketTraversal(now, persistentKeepaliveNanos);
            timers.anyAuthenticatedPacketSent();
            if (packet.length > 0) {
                timers.dataSent(now);
            }
            System.arraycopy(packet, 0, s.txPlain, 0, packet.length);
            sealAndSend(kp, counter, packet.length, to, s, out);
            keepKeyFreshSending(kp, now, out);
        }
        staged = null; // drained: an idle peer gives its queue back
    }

    private void keepalive(long now, Output out) {
        if (staged == null || staged.isEmpty()) {
            stage(new byte[0]);
        }
        sendStaged(now, out);
    }

    /** Under the lock. At most one initiation per REKEY_TIMEOUT; a retry keeps counting attempts. */
    private void sendHandshakeInitiation(boolean retry, long now, Output out) {
        if (!retry) {
            timers.handshakeAttempts = 0;
        }
        if (initiationSentWithin(now, timerConfig.rekeyTimeout().toNanos())) {
            return;
        }
        InetSocketAddress to = endpoint;
        if (to == null) {
            ctx.drops().count(WireGuardDropReason.NO_ENDPOINT);
            return;
        }
        if (!writeInitiation(to, IndexTable.NO_INDEX, now, out)) {
            return;
        }
        timers.anyAuthenticatedPacketTraversal(now, persistentKeepaliveNanos);
        timers.anyAuthenticatedPacketSent();
        timers.handshakeInitiated(now);
    }

    /** Under the lock: creates an initiation (a new handshake, a new index), adds MACs, sends it to {@code to}. */
    private boolean writeInitiation(InetSocketAddress to, long avoidIndex, long now, Output out) {
        handshake.lastSentInitiationNanos = now;
        handshake.sentAny = true;
        Optional<byte[]> msg = NoiseHandshake.createInitiation(ctx.identity(), this, ctx.indices(), ctx.random(),
                ctx.clock(), to, avoidIndex);
        if (msg.isEmpty()) {
            ctx.drops().count(WireGuardDropReason.HANDSHAKE_FAILED);
            return false;
        }
        byte[] m = msg.get();
        cookies().addMacs(m, now);
        out.send(ByteBuffer.wrap(m), to);
        return true;
    }

    private void keepKeyFreshSending(Keypair kp, long now, Output out) {
        // Compared like wireguard-go: against the next counter to use, not the one just used. The message count
        // applies to both roles (a responder must not wait for REJECT_AFTER_MESSAGES); the age only to the
        // initiator, so the two sides do not both start a handshake when a session gets old.
        if (Long.compareUnsigned(kp.sendCounter.get(), timerConfig.rekeyAfterMessages()) > 0
                || (kp.initiator && now - kp.createdNanos > timerConfig.rekeyAfterTime().toNanos())) {
            sendHandshakeInitiation(false, now, out);
        }
    }

    private void keepKeyFreshReceiving(long now, Output out) {
        Keypair kp = keypairs.current();
        long limit = timerConfig.rejectAfterTime().toNanos() - timerConfig.keepaliveTimeout().toNanos()
                - timerConfig.rekeyTimeout().toNanos();
        if (kp != null && kp.initiator && now - kp.createdNanos > limit && !timers.sentLastMinuteHandshake) {
            timers.sentLastMinuteHandshake = true;
            sendHandshakeInitiation(false, now, out);
        }
    }

    private void handshakeComplete(long now) {
        timers.handshakeComplete();
        lastHandshakeNanos = now;
        handshakesCompleted.increment();
    }

    /** Wipes every key and the handshake, and drops queued packets (REJECT_AFTER_TIME x 3 of silence, or removal). */
    private void zeroAll() {
        keypairs.clear();
        NoiseHandshake.releaseIndex(handshake, ctx.indices());
        handshake.clear();
        staged = null;
    }

    // ---------------------------------------------------------------- timers

    /** Runs this peer's expired timers (wireguard-go {@code device/timers.go}); a removed peer has none. */
    synchronized void tick(long now, Output out) {
        if (removed) {
            return;
        }
        PeerTimers t = timers;
        if (t.retransmitHandshake.fire(now)) {
            if (t.handshakeAttempts > timerConfig.maxHandshakeAttempts()) {
                t.sendKeepalive.disarm();
                staged = null;
                if (!t.zeroKeyMaterial.armed()) {
                    t.zeroKeyMaterial.arm(now + 3 * timerConfig.rejectAfterTime().toNanos());
                }
            } else {
                t.handshakeAttempts++;
                sendHandshakeInitiation(true, now, out);
            }
        }
        if (t.sendKeepalive.fire(now)) {
            keepalive(now, out);
            if (t.needAnotherKeepalive) {
                t.needAnotherKeepalive = false;
                t.sendKeepalive.arm(now + timerConfig.keepaliveTimeout().toNanos());
            }
        }
        if (t.newHandshake.fire(now)) {
            sendHandshakeInitiation(false, now, out);
        }
        if (t.zeroKeyMaterial.fire(now)) {
            zeroAll();
        }
        if (t.persistentKeepalive.fire(now) && persistentKeepaliveNanos > 0) {
            keepalive(now, out);
        }
    }
}
