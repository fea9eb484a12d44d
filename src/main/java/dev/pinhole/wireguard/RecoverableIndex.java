package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.Blake2s;
import dev.pinhole.wireguard.crypto.Kdf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The session-index format every replica of one connector can read back: an index is the 32-bit encryption, under
 * a key derived from the shared static private key, of a 20-bit tag of the peer's public key followed by 12 random
 * bits. Any replica holding the private key decrypts an index it never handed out and learns whose it was; an
 * observer sees a random-looking 32-bit value. Design and reasoning: docs/wireguard.md, "Session recovery".
 */
final class RecoverableIndex {
    static final int TAG_BITS = 20;
    static final int NONCE_BITS = 32 - TAG_BITS;
    static final int TAG_MASK = (1 << TAG_BITS) - 1;
    private static final int NONCE_MASK = (1 << NONCE_BITS) - 1;
    /** Domain separation: these keys are used for nothing else, and the private key itself never leaves KDF. */
    static final byte[] LABEL = "pinhole session-index v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] tagKey;
    private final IndexCipher cipher;

    private RecoverableIndex(byte[] tagKey, byte[] cipherKey) {
        this.tagKey = tagKey;
        this.cipher = new IndexCipher(cipherKey);
    }

    /** Derives both keys as KDF2(private key, LABEL): HMAC-BLAKE2s keyed by the private key over a public label. */
    static RecoverableIndex fromPrivateKey(byte[] privateKey) {
        byte[][] keys = Kdf.kdf2(privateKey, LABEL);
        RecoverableIndex format = new RecoverableIndex(keys[0], Arrays.copyOf(keys[1], 16));
        Arrays.fill(keys[1], (byte) 0);
        return format;
    }

    /** The peer's tag: the first 20 bits of MAC(tag key, public key); equal on every replica. */
    int tagOf(PublicKey peer) {
        byte[] mac = Blake2s.mac(tagKey, peer.raw(), 0, Keys.KEY_LEN);
        return ((mac[0] & 0xff) << 12 | (mac[1] & 0xff) << 4 | (mac[2] & 0xff) >>> 4) & TAG_MASK;
    }

    /** An index naming {@code tag}; the low 12 bits of {@code random} pick one of the tag's 4,096 indices. */
    int encode(int tag, int random) {
        return cipher.encrypt((tag & TAG_MASK) << NONCE_BITS | (random & NONCE_MASK));
    }

    /** The tag an index names (any 32-bit value names some tag: whether a configured peer holds it is the check). */
    int tagOfIndex(int index) {
        return cipher.decrypt(index) >>> NONCE_BITS;
    }
}
