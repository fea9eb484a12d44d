package dev.pinhole.wireguard;

import static dev.pinhole.wireguard.ProtocolConstants.*;

import dev.pinhole.wireguard.crypto.Blake2s;
import dev.pinhole.wireguard.crypto.ChaChaPoly;
import dev.pinhole.wireguard.crypto.Kdf;
import dev.pinhole.wireguard.crypto.X25519;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * Noise_IKpsk2 message creation and consumption (WireGuard paper section 5.4). Each method checks exact lengths
 * and leaves the peer's {@link Handshake} untouched when a message fails to authenticate. The caller holds the
 * peer's lock around every method that takes a {@link Peer}.
 */
final class NoiseHandshake {
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] ZERO_KEY = new byte[32];

    private NoiseHandshake() {}

    /** Result of consuming an initiation: the peer it came from, or why it was dropped. */
    record Consumed(Peer peer, WireGuardDropReason drop) {
        static Consumed dropped(WireGuardDropReason reason) {
            return new Consumed(null, reason);
        }
    }

    /**
     * Writes a fresh initiation to {@code peer} at {@code to} (MAC fields left zero; the new index is bound to
     * {@code to}, and never {@code avoidIndex}: see {@link IndexTable#allocate(Peer, java.net.InetSocketAddress,
     * long)}); empty when a DH result is zero.
     */
    static Optional<byte[]> createInitiation(LocalIdentity id, Peer peer, IndexTable indices, SecureRandom random,
            Clock clock, java.net.InetSocketAddress to, long avoidIndex) {
        Handshake hs = peer.handshake();
        byte[] ss = peer.staticStatic();
        if (ss == null) {
            return Optional.empty();
        }
        byte[] ck = LocalIdentity.INITIAL_CHAIN_KEY.clone();
        byte[] h = Blake2s.hash(LocalIdentity.INITIAL_HASH, peer.publicKey().raw());
        byte[] ePriv = X25519.generatePrivate(random);
        byte[] ePub = X25519.publicFromPrivate(ePriv);
        byte[] msg = new byte[INITIATION_LEN];
        Wire.putIntLe(msg, 0, TYPE_INITIATION);
        System.arraycopy(ePub, 0, msg, INIT_EPHEMERAL, 32);
        ck = Kdf.kdf1(ck, ePub);
        h = Blake2s.hash(h, ePub);
        Optional<byte[]> es = X25519.sharedSecret(ePriv, peer.publicKey().raw());
        if (es.isEmpty()) {
            return Optional.empty();
        }
        byte[][] ckk = Kdf.kdf2(ck, es.get());
        ck = ckk[0];
        byte[] encStatic = ChaChaPoly.seal(ckk[1], 0, id.publicKey, h);
        System.arraycopy(encStatic, 0, msg, INIT_STATIC, encStatic.length);
        h = Blake2s.hash(h, encStatic);
        ckk = Kdf.kdf2(ck, ss);
        ck = ckk[0];
        byte[] encTs = ChaChaPoly.seal(ckk[1], 0, Tai64n.now(clock), h);
        System.arraycopy(encTs, 0, msg, INIT_TIMESTAMP, encTs.length);
        h = Blake2s.hash(h, encTs);

        releaseIndex(hs, indices);
        hs.clear();
        hs.localIndex = indices.allocate(peer, to, avoidIndex);
        hs.hasLocalIndex = true;
        Wire.putIntLe(msg, INIT_SENDER, hs.localIndex);
        hs.chainKey = ck;
        hs.hash = h;
        hs.localEphemeralPrivate = ePriv;
        hs.state = HandshakeState.INITIATION_CREATED;
        return Optional.of(msg);
    }

    /**
     * Authenticates an initiation addressed to us and records it on the sender's handshake. {@code peers} maps a
     * decrypted static key to a configured peer (null when unknown). {@code msg[off, off+148)} is the message.
     */
    static Consumed consumeInitiation(byte[] msg, int off, LocalIdentity id, Function<PublicKey, Peer> peers,
            long now, long minIntervalNanos) {
        byte[] ck = LocalIdentity.INITIAL_CHAIN_KEY.clone();
        byte[] h = id.responderInitialHash;
        byte[] ePub = Arrays.copyOfRange(msg, off + INIT_EPHEMERAL, off + INIT_EPHEMERAL + 32);
        ck = Kdf.kdf1(ck, ePub);
        h = Blake2s.hash(h, ePub);
        Optional<byte[]> es = X25519.sharedSecret(id.privateKey, ePub);
        if (es.isEmpty()) {
            return Consumed.dropped(WireGuardDropReason.HANDSHAKE_FAILED);
        }
        byte[][] ckk = Kdf.kdf2(ck, es.get());
        ck = ckk[0];
        byte[] staticPub = ChaChaPoly.open(ckk[1], 0, msg, off + INIT_STATIC, 48, h);
        if (staticPub == null) {
            return Consumed.dropped(WireGuardDropReason.HANDSHAKE_FAILED);
        }
        h = Blake2s.hash(h, Arrays.copyOfRange(msg, off + INIT_STATIC, off + INIT_STATIC + 48));
        Peer peer = peers.apply(PublicKey.of(staticPub));
        if (peer == null) {
            return Consumed.dropped(WireGuardDropReason.UNKNOWN_PEER);
        }
        byte[] ss = peer.staticStatic();
        if (ss == null) {
            return Consumed.dropped(WireGuardDropReason.HANDSHAKE_FAILED);
        }
        ckk = Kdf.kdf2(ck, ss);
        ck = ckk[0];
        byte[] ts = ChaChaPoly.open(ckk[1], 0, msg, off + INIT_TIMESTAMP, TAI64N_LEN + 16, h);
        if (ts == null) {
            return Consumed.dropped(WireGuardDropReason.HANDSHAKE_FAILED);
        }
        h = Blake2s.hash(h, Arrays.copyOfRange(msg, off + INIT_TIMESTAMP, off + INIT_TIMESTAMP + TAI64N_LEN + 16));
        WireGuardDropReason refused = peer.recordInitiation(ck, h, ePub, Wire.intLe(msg, off + INIT_SENDER), ts, now,
                minIntervalNanos);
        if (refused != null) {
            return Consumed.dropped(refused);
        }
        return new Consumed(peer, null);
    }

    /**
     * Writes our response to the initiation just consumed, which came from {@code from} (MAC fields zero; the new
     * index is bound to {@code from}); empty on a zero DH result.
     */
    static Optional<byte[]> createResponse(Peer peer, IndexTable indices, SecureRandom random,
            java.net.InetSocketAddress from) {
        Handshake hs = peer.handshake();
        if (hs.state != HandshakeState.INITIATION_CONSUMED) {
            return Optional.empty();
        }
        byte[] ck = hs.chainKey;
        byte[] h = hs.hash;
        byte[] ePriv = X25519.generatePrivate(random);
        byte[] ePub = X25519.publicFromPrivate(ePriv);
        ck = Kdf.kdf1(ck, ePub);
        h = Blake2s.hash(h, ePub);
        Optional<byte[]> ee = X25519.sharedSecret(ePriv, hs.remoteEphemeral);
        Optional<byte[]> se = X25519.sharedSecret(ePriv, peer.publicKey().raw());
        if (ee.isEmpty() || se.isEmpty()) {
            return Optional.empty();
        }
        ck = Kdf.kdf1(ck, ee.get());
        ck = Kdf.kdf1(ck, se.get());
        byte[][] cttk = Kdf.kdf3(ck, peer.presharedKeyOrZero());
        ck = cttk[0];
        h = Blake2s.hash(h, cttk[1]);
        byte[] empty = ChaChaPoly.seal(cttk[2], 0, EMPTY, h);
        h = Blake2s.hash(h, empty);

        releaseIndex(hs, indices);
        hs.localIndex = indices.allocate(peer, from);
        hs.hasLocalIndex = true;
        byte[] msg = new byte[RESPONSE_LEN];
        Wire.putIntLe(msg, 0, TYPE_RESPONSE);
        Wire.putIntLe(msg, RESP_SENDER, hs.localIndex);
        Wire.putIntLe(msg, RESP_RECEIVER, hs.remoteIndex);
        System.arraycopy(ePub, 0, msg, RESP_EPHEMERAL, 32);
        System.arraycopy(empty, 0, msg, RESP_EMPTY, empty.length);
        hs.chainKey = ck;
        hs.hash = h;
        hs.localEphemeralPrivate = ePriv;
        hs.state = HandshakeState.RESPONSE_CREATED;
        return Optional.of(msg);
    }

    /** Authenticates a response to our initiation; the caller holds {@code peer}'s lock. */
    static WireGuardDropReason consumeResponse(byte[] msg, int off, LocalIdentity id, Peer peer) {
        Handshake hs = peer.handshake();
        int receiver = Wire.intLe(msg, off + RESP_RECEIVER);
        if (hs.state != HandshakeState.INITIATION_CREATED || !hs.hasLocalIndex || hs.localIndex != receiver) {
            return WireGuardDropReason.UNEXPECTED_HANDSHAKE;
        }
        byte[] ck = hs.chainKey;
        byte[] h = hs.hash;
        byte[] ePub = Arrays.copyOfRange(msg, off + RESP_EPHEMERAL, off + RESP_EPHEMERAL + 32);
        ck = Kdf.kdf1(ck, ePub);
        h = Blake2s.hash(h, ePub);
        Optional<byte[]> ee = X25519.sharedSecret(hs.localEphemeralPrivate, ePub);
        Optional<byte[]> se = X25519.sharedSecret(id.privateKey, ePub);
        if (ee.isEmpty() || se.isEmpty()) {
            return WireGuardDropReason.HANDSHAKE_FAILED;
        }
        ck = Kdf.kdf1(ck, ee.get());
        ck = Kdf.kdf1(ck, se.get());
        byte[][] cttk = Kdf.kdf3(ck, peer.presharedKeyOrZero());
        ck = cttk[0];
        h = Blake2s.hash(h, cttk[1]);
        if (ChaChaPoly.open(cttk[2], 0, msg, off + RESP_EMPTY, 16, h) == null) {
            return WireGuardDropReason.HANDSHAKE_FAILED;
        }
        h = Blake2s.hash(h, Arrays.copyOfRange(msg, off + RESP_EMPTY, off + RESP_EMPTY + 16));
        hs.chainKey = ck;
        hs.hash = h;
        hs.remoteIndex = Wire.intLe(msg, off + RESP_SENDER);
        hs.state = HandshakeState.RESPONSE_CONSUMED;
        return null;
    }

    /**
     * Derives the transport keypair from a finished handshake (initiator after consuming the response, responder
     * after creating it) and zeroes the handshake; the handshake's index now names the keypair.
     */
    static Keypair deriveKeypair(Peer peer, IndexTable indices, long now) {
        Handshake hs = peer.handshake();
        boolean initiator = hs.state == HandshakeState.RESPONSE_CONSUMED;
        if (!initiator && hs.state != HandshakeState.RESPONSE_CREATED) {
            throw new IllegalStateException("no finished handshake to derive keys from: " + hs.state);
        }
        byte[][] keys = Kdf.kdf2(hs.chainKey, EMPTY);
        byte[] send = initiator ? keys[0] : keys[1];
        byte[] receive = initiator ? keys[1] : keys[0];
        Keypair kp = new Keypair(send, receive, now, initiator, hs.localIndex, hs.remoteIndex);
        Arrays.fill(keys[0], (byte) 0);
        Arrays.fill(keys[1], (byte) 0);
        indices.bindKeypair(hs.localIndex, kp);
        hs.hasLocalIndex = false;
        hs.clear();
        return kp;
    }

    /** Frees the index of an abandoned handshake (not one already handed to a keypair). */
    static void releaseIndex(Handshake hs, IndexTable indices) {
        if (hs.hasLocalIndex) {
            indices.remove(hs.localIndex);
            hs.hasLocalIndex = false;
        }
    }

    static byte[] zeroKey() {
        return ZERO_KEY;
    }
}
