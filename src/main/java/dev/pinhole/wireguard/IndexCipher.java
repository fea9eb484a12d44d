package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.SipHash;

/**
 * A keyed permutation of the 32-bit integers (a small block cipher): a balanced Feistel network of
 * {@value #ROUNDS} rounds over two 16-bit halves with SipHash-2-4 as the round function. Ten rounds, as NIST's FF1
 * format-preserving cipher uses for small domains: the few-round attacks on small Feistel networks need far more
 * rounds' worth of chosen queries than a rate-limited decryption oracle (see {@link SessionRecovery}) ever answers.
 * Stateless and thread-safe.
 */
final class IndexCipher {
    static final int ROUNDS = 10;
    private final SipHash prf;

    IndexCipher(byte[] key16) {
        this.prf = new SipHash(key16);
    }

    int encrypt(int plain) {
        int left = plain >>> 16;
        int right = plain & 0xffff;
        for (int r = 0; r < ROUNDS; r++) {
            int next = left ^ round(r, right);
            left = right;
            right = next;
        }
        return left << 16 | right;
    }

    int decrypt(int cipher) {
        int left = cipher >>> 16;
        int right = cipher & 0xffff;
        for (int r = ROUNDS - 1; r >= 0; r--) {
            int previous = right ^ round(r, left);
            right = left;
            left = previous;
        }
        return left << 16 | right;
    }

    /** The round function: 16 bits of SipHash over (round number, half); the round number separates the rounds. */
    private int round(int r, int half) {
        return (int) prf.hash((long) r << 16 | half) & 0xffff;
    }
}
