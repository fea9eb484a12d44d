package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.Blake2s;
import dev.pinhole.wireguard.crypto.XChaChaPoly;

/**
 * The sender's side of MAC1/MAC2 for one peer: computes both MACs on our handshake messages and keeps the cookie
 * the peer gave us in a cookie reply (valid for COOKIE_REFRESH_TIME). Guarded by the owning peer's lock.
 */
final class CookieJar {
    private final byte[] mac1Key;
    private final byte[] cookieKey;
    private final long cookieLifetimeNanos;
    private byte[] cookie;
    private long cookieSetNanos;
    private final byte[] lastMac1 = new byte[Blake2s.MAC_LEN];
    private boolean hasLastMac1;

    CookieJar(byte[] peerPublicKey, long cookieLifetimeNanos) {
        this.mac1Key = Blake2s.hash(ProtocolConstants.LABEL_MAC1, peerPublicKey);
        this.cookieKey = Blake2s.hash(ProtocolConstants.LABEL_COOKIE, peerPublicKey);
        this.cookieLifetimeNanos = cookieLifetimeNanos;
    }

    /** Fills mac1 (and mac2 when we hold a fresh cookie) at the end of handshake message {@code msg}. */
    void addMacs(byte[] msg, long now) {
        int mac1Off = msg.length - 2 * Blake2s.MAC_LEN;
        int mac2Off = msg.length - Blake2s.MAC_LEN;
        Blake2s.mac(mac1Key, msg, 0, mac1Off, msg, mac1Off);
        System.arraycopy(msg, mac1Off, lastMac1, 0, Blake2s.MAC_LEN);
        hasLastMac1 = true;
        if (cookie != null && now - cookieSetNanos <= cookieLifetimeNanos) {
            Blake2s.mac(cookie, msg, 0, mac2Off, msg, mac2Off);
        } else {
            java.util.Arrays.fill(msg, mac2Off, msg.length, (byte) 0);
        }
    }

    /** Decrypts a cookie reply to our last handshake message; false when it does not authenticate. */
    boolean consumeReply(byte[] msg, int off, long now) {
        if (!hasLastMac1) {
            return false;
        }
        byte[] nonce = java.util.Arrays.copyOfRange(msg, off + ProtocolConstants.COOKIE_NONCE,
                off + ProtocolConstants.COOKIE_NONCE + XChaChaPoly.NONCE_LEN);
        byte[] plain = XChaChaPoly.open(cookieKey, nonce, msg, off + ProtocolConstants.COOKIE_ENCRYPTED,
                Blake2s.MAC_LEN + 16, lastMac1);
        if (plain == null) {
            return false;
        }
        cookie = plain;
        cookieSetNanos = now;
        hasLastMac1 = false;
        return true;
    }

    boolean hasFreshCookie(long now) {
        return cookie != null && now - cookieSetNanos <= cookieLifetimeNanos;
    }
}
