package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.Blake2s;
import dev.pinhole.wireguard.crypto.X25519;

/** Our static key pair and the Noise values that depend only on it. */
final class LocalIdentity {
    static final byte[] INITIAL_CHAIN_KEY = Blake2s.hash(ProtocolConstants.CONSTRUCTION);
    static final byte[] INITIAL_HASH = Blake2s.hash(INITIAL_CHAIN_KEY, ProtocolConstants.IDENTIFIER);

    final byte[] privateKey;
    final byte[] publicKey;
    /** HASH(HASH(Ci || IDENTIFIER) || our public key): where a responder's hash starts. */
    final byte[] responderInitialHash;

    LocalIdentity(byte[] privateKey) {
        if (privateKey.length != 32) {
            throw new IllegalArgumentException("private key must be 32 bytes");
        }
        this.privateKey = privateKey.clone();
        this.publicKey = X25519.publicFromPrivate(this.privateKey);
        this.responderInitialHash = Blake2s.hash(INITIAL_HASH, publicKey);
    }
}
