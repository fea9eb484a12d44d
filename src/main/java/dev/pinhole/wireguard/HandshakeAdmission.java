package dev.pinhole.wireguard;

import dev.pinhole.time.KeyedBuckets;
import java.net.InetAddress;
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
    /** Sources with a bucket at most; when full a new source is refused rather than evicting a known one. */
    static final int MAX_SOURCES = 1 << 16;

    /** A token bucket per source (IPv4 address, IPv6 /64) while under load; guarded by itself. */
    private final KeyedBuckets<Object> sourceLimiter;
    private final WireGuardDropCounters drops;

    HandshakeAdmission(LocalIdentity identity, DeviceConfig config, WireGuardDropCounters drops) {
        this.cookieChecker = new CookieChecker(identity.publicKey, config.timers().cookieRefreshTime().toNanos(),
                config.random());
        this.load = new LoadMonitor(config.underLoadHandshakesPerSecond());
        this.sourceLimiter = new KeyedBuckets<>(config.sourceHandshakesPerSecond(), config.sourceHandshakeBurst(),
                MAX_SOURCES, KeyedBuckets.WhenFull.REFUSE_NEW);
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
            if (!allowSource(from.getAddress(), now)) {
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
        synchronized (sourceLimiter) {
            sourceLimiter.sweep(now);
        }
    }

    private boolean allowSource(InetAddress source, long now) {
        Object key = sourceKey(source.getAddress());
        synchronized (sourceLimiter) {
            return sourceLimiter.allow(key, now);
        }
    }

    /**
     * A source's bucket key: an IPv4 address (an {@link Integer}) or an IPv6 /64, one subscriber's prefix (a
     * {@link Long}); of different types, so no IPv6 prefix can share an IPv4 address's bucket (every 64-bit value is
     * some /64, so no flag bit in one {@code long} could keep them apart).
     */
    static Object sourceKey(byte[] ip) {
        long k = 0;
        int n = ip.length == 4 ? 4 : 8;
        for (int i = 0; i < n; i++) {
            k = (k << 8) | (ip[i] & 0xff);
        }
        return ip.length == 4 ? Integer.valueOf((int) k) : Long.valueOf(k);
    }
}
