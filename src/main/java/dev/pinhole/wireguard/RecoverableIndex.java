package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.Blake2s;
import dev.pinhole.wireguard.crypto.Kdf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The session-index format every replica of one connector can read back: an index is the 32-bit encryption, under
 * a key derived from the shared static private key, of a {@value #TAG_BITS}-bit tag of the peer's public key, a
 * {@value #CHECK_BITS}-bit check of (public key, the peer's endpoint when the index was made) and
 * {@value #NONCE_BITS} random bits. Any replica holding the private key decrypts an index it never handed out,
 * finds the peers the tag names and, from the check, whether the message that carried it comes from the endpoint
 * the index was made for; an observer sees a random-looking 32-bit value. Design and reasoning: docs/wireguard.md,
 * "Session recovery".
 */
final class RecoverableIndex {
    static final int TAG_BITS = 10;
    static final int CHECK_BITS = 13;
    static final int NONCE_BITS = 32 - TAG_BITS - CHECK_BITS;
    static final int TAG_MASK = (1 << TAG_BITS) - 1;
    static final int CHECK_MASK = (1 << CHECK_BITS) - 1;
    private static final int NONCE_MASK = (1 << NONCE_BITS) - 1;
    /** Domain separation: these keys are used for nothing else, and the private key itself never leaves KDF. */
    static final byte[] LABEL = "pinhole session-index v2".getBytes(StandardCharsets.US_ASCII);
    /** The endpoint check's own key, so the check reveals nothing about the tag or the cipher. */
    static final byte[] ENDPOINT_LABEL = "pinhole session-index endpoint v1".getBytes(StandardCharsets.US_ASCII);

    private final byte[] tagKey;
    private final byte[] checkKey;
    private final IndexCipher cipher;

    private RecoverableIndex(byte[] tagKey, byte[] cipherKey, byte[] checkKey) {
        this.tagKey = tagKey;
        this.checkKey = checkKey;
        this.cipher = new IndexCipher(cipherKey);
    }

    /**
     * Derives the tag and cipher keys as KDF2(private key, LABEL) and the check key as KDF1(private key,
     * ENDPOINT_LABEL): HMAC-BLAKE2s keyed by the private key over public labels.
     */
    static RecoverableIndex fromPrivateKey(byte[] privateKey) {
        byte[][] keys = Kdf.kdf2(privateKey, LABEL);
        RecoverableIndex format = new RecoverableIndex(keys[0], Arrays.copyOf(keys[1], 16),
                Kdf.kdf1(privateKey, ENDPOINT_LABEL));
        Arrays.fill(keys[1], (byte) 0);
        return format;
    }

    /** The peer's tag: the first {@value #TAG_BITS} bits of MAC(tag key, public key); equal on every replica. */
    int tagOf(PublicKey peer) {
        byte[] mac = Blake2s.mac(tagKey, peer.raw(), 0, Keys.KEY_LEN);
        return ((mac[0] & 0xff) << 8 | (mac[1] & 0xff)) >>> (16 - TAG_BITS) & TAG_MASK;
    }

    /**
     * The check binding an index to {@code peer} at {@code endpoint}: the first {@value #CHECK_BITS} bits of
     * MAC(check key, public key || address || port); -1 for an endpoint without an address (never matches).
     */
    int checkOf(PublicKey peer, InetSocketAddress endpoint) {
        InetAddress address = endpoint == null ? null : endpoint.getAddress();
        if (address == null) {
            return -1;
        }
        byte[] ip = address.getAddress();
        byte[] input = new byte[Keys.KEY_LEN + ip.length + 2];
        System.arraycopy(peer.raw(), 0, input, 0, Keys.KEY_LEN);
        System.arraycopy(ip, 0, input, Keys.KEY_LEN, ip.length);
        input[input.length - 2] = (byte) (endpoint.getPort() >>> 8);
        input[input.length - 1] = (byte) endpoint.getPort();
        byte[] mac = Blake2s.mac(checkKey, input, 0, input.length);
        return ((mac[0] & 0xff) << 8 | (mac[1] & 0xff)) >>> (16 - CHECK_BITS) & CHECK_MASK;
    }

    /** An index naming {@code tag} with {@code check}; the low bits of {@code random} pick one of its indices. */
    int encode(int tag, int check, int random) {
        return cipher.encrypt((tag & TAG_MASK) << (CHECK_BITS + NONCE_BITS) | (check & CHECK_MASK) << NONCE_BITS
                | (random & NONCE_MASK));
    }

    /** The decrypted fields of an index (any 32-bit value decrypts to some; whether they name a peer is the check). */
    int open(int index) {
        return cipher.decrypt(index);
    }

    static int tagOfOpened(int opened) {
        return opened >>> (CHECK_BITS + NONCE_BITS);
    }

    static int checkOfOpened(int opened) {
        return opened >>> NONCE_BITS & CHECK_MASK;
    }

    /** The tag an index names. */
    int tagOfIndex(int index) {
        return tagOfOpened(open(index));
    }
}
