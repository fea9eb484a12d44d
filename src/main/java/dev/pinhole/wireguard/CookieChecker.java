package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.Blake2s;
import dev.pinhole.wireguard.crypto.ConstantTime;
import dev.pinhole.wireguard.crypto.XChaChaPoly;
import java.net.InetSocketAddress;
import java.util.Random;

/**
 * The receiver's side of MAC1/MAC2: checks MAC1 on every handshake message addressed to us, checks MAC2 against
 * the cookie for the sender's address, and writes cookie replies. The cookie secret is replaced after
 * COOKIE_REFRESH_TIME; a cookie minted from an old secret fails MAC2.
 */
final class CookieChecker {
    private final byte[] mac1Key;
    private final byte[] cookieKey;
    private final long secretLifetimeNanos;
    private final Random random;
    private final byte[] secret = new byte[32];
    private long secretSetNanos;
    private boolean hasSecret;

    CookieChecker(byte[] ourPublicKey, long secretLifetimeNanos, Random random) {
        this.mac1Key = Blake2s.hash(ProtocolConstants.LABEL_MAC1, ourPublicKey);
        this.cookieKey = Blake2s.hash(ProtocolConstants.LABEL_COOKIE, ourPublicKey);
        this.secretLifetimeNanos = secretLifetimeNanos;
        this.random = random;
    }

    /** MAC1 over the message up to the mac1 field, keyed by HASH("mac1----" || our public key). */
    boolean checkMac1(byte[] msg, int off, int len) {
        int mac1Off = off + len - 2 * Blake2s.MAC_LEN;
        byte[] mac = new byte[Blake2s.MAC_LEN];
        Blake2s.mac(mac1Key, msg, off, len - 2 * Blake2s.MAC_LEN, mac, 0);
        return ConstantTime.equals(mac, 0, msg, mac1Off, Blake2s.MAC_LEN);
    }

    /** MAC2 over the message up to the mac2 field, keyed by the cookie for {@code from}. */
    synchronized boolean checkMac2(byte[] msg, int off, int len, InetSocketAddress from, long now) {
        if (!hasSecret || now - secretSetNanos > secretLifetimeNanos) {
            return false;
        }
        byte[] cookie = Blake2s.mac(secret, sourceBytes(from), 0, sourceBytes(from).length);
        byte[] mac = new byte[Blake2s.MAC_LEN];
        Blake2s.mac(cookie, msg, off, len - Blake2s.MAC_LEN, mac, 0);
        return ConstantTime.equals(mac, 0, msg, off + len - Blake2s.MAC_LEN, Blake2s.MAC_LEN);
    }

    /** A cookie reply to handshake message {@code msg} (whose sender index is {@code senderIndex}). */
    synchronized byte[] createReply(byte[] msg, int off, int len, int senderIndex, InetSocketAddress from,
            long now) {
        if (!hasSecret || now - secretSetNanos > secretLifetimeNanos) {
            random.nextBytes(secret);
            secretSetNanos = now;
            hasSecret = true;
        }
        byte[] src = sourceBytes(from);
        byte[] cookie = Blake2s.mac(secret, src, 0, src.length);
        byte[] reply = new byte[ProtocolConstants.COOKIE_REPLY_LEN];
        Wire.putIntLe(reply, 0, ProtocolConstants.TYPE_COOKIE_REPLY);
        Wire.putIntLe(reply, ProtocolConstants.COOKIE_RECEIVER, senderIndex);
        byte[] nonce = new byte[XChaChaPoly.NONCE_LEN];
        random.nextBytes(nonce);
        System.arraycopy(nonce, 0, reply, ProtocolConstants.COOKIE_NONCE, nonce.length);
        byte[] mac1 = java.util.Arrays.copyOfRange(msg, off + len - 2 * Blake2s.MAC_LEN,
                off + len - Blake2s.MAC_LEN);
        byte[] sealed = XChaChaPoly.seal(cookieKey, nonce, cookie, mac1);
        System.arraycopy(sealed, 0, reply, ProtocolConstants.COOKIE_ENCRYPTED, sealed.length);
        return reply;
    }

    /** The sender's address as the cookie input: IP bytes then the port. */
    private static byte[] sourceBytes(InetSocketAddress from) {
        byte[] ip = from.getAddress().getAddress();
        byte[] out = java.util.Arrays.copyOf(ip, ip.length + 2);
        out[ip.length] = (byte) from.getPort();
        out[ip.length + 1] = (byte) (from.getPort() >>> 8);
        return out;
    }
}
