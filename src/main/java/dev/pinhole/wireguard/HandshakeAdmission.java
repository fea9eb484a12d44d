package dev.pinhole.wireguard;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The device's gate for handshake messages before any Noise work (wireguard-go {@code device/receive.go}'s cookie
 * and rate-limit checks): MAC1 always; under load (more handshakes per second than the threshold) MAC2, answered
 * with a cookie reply when missing, and a per-source rate limit. Every refusal is counted with its reason.
 */
final class HandshakeAdmission {
    private final CookieChecker cookieChecker;
    private final LoadMonitor load;
    private final SourceRateLimiter sourceLimiter;
    private final WireGuardDropCounters drops;

    HandshakeAdmission(LocalIdentity identity, DeviceConfig config, WireGuardDropCounters drops) {
        this.cookieChecker = new CookieChecker(identity.publicKey, config.timers().cookieRefreshTime().toNanos(),
                config.random());
        this.load = new LoadMonitor(config.underLoadHandshakesPerSecond());
        this.sourceLimiter = new SourceRateLimiter(config.sourceHandshakesPerSecond(), config.sourceHandshakeBurst());
        this.drops = drops;
    }

    /** MAC1, then under load MAC2 (or a cookie reply) and the per-source limit; true to go on with Noise. */
    boolean admit(byte[] msg, int off, int len, int senderIndex, InetSocketAddress from, long now, Output out) {
        if (!cookieChecker.checkMac1(msg, off, len)) {
            drops.count(WireGuardDropReason.BAD_MAC1);
            return false;
        }
        if (load.recordAndCheck(now)) {
            if (!cookieChecker.checkMac2(msg, off, len, from, now)) {
                byte[] reply = cookieChecker.createReply(msg, off, len, senderIndex, from, now);
                out.send(ByteBuffer.wrap(reply), from);
                drops.count(WireGuardDropReason.COOKIE_REQUIRED);
                return false;
            }
            if (!sourceLimiter.allow(from.getAddress(), now)) {
                drops.count(WireGuardDropReason.RATE_LIMITED);
                return false;
            }
        }
        return true;
    }

    /** Whether the device is under load now, without counting a message (session recovery stands back then). */
    boolean underLoad(long now) {
        return load.underLoad(now);
    }

    /** Forgets idle per-source buckets (every tick). */
    void sweep(long now) {
        sourceLimiter.sweep(now);
    }
}
