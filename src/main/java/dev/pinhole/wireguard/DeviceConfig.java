package dev.pinhole.wireguard;

import dev.pinhole.wireguard.crypto.OpenStrategy;
import dev.pinhole.wireguard.crypto.Poly1305Intrinsic;
import java.security.SecureRandom;
import java.time.Clock;

/**
 * Interface-wide settings: our private key, MTU (for padding), timers, DoS thresholds, and the wall clock used
 * only for TAI64N timestamps.
 *
 * @param underLoadHandshakesPerSecond handshake messages per second above which MAC2 (cookies) is demanded
 * @param sourceHandshakesPerSecond per-source handshake rate allowed while under load
 * @param sourceHandshakeBurst per-source burst allowed while under load
 * @param recovery whether unknown receiver indices of configured clients start a handshake ({@link SessionRecovery});
 *                 our own indices are recoverable either way
 * @param openStrategy how transport messages are opened ({@link OpenStrategy}); a session that meets forgeries opens
 *                     with the tag check first whatever this says
 */
public record DeviceConfig(byte[] privateKey, int mtu, TimerConfig timers, int underLoadHandshakesPerSecond,
        int sourceHandshakesPerSecond, int sourceHandshakeBurst, Clock clock, SecureRandom random,
        SessionRecoverySettings recovery, OpenStrategy openStrategy) {

    public DeviceConfig {
        if (privateKey == null || privateKey.length != 32) {
            throw new IllegalArgumentException("private key must be 32 bytes");
        }
        if (mtu < 576 || mtu > 65535 - 80) {
            throw new IllegalArgumentException("MTU out of range: " + mtu);
        }
        if (underLoadHandshakesPerSecond < 1 || sourceHandshakesPerSecond < 1 || sourceHandshakeBurst < 1) {
            throw new IllegalArgumentException("handshake limits must be positive");
        }
        if (recovery == null) {
            throw new IllegalArgumentException("session recovery settings are required");
        }
        if (openStrategy == null) {
            throw new IllegalArgumentException("an open strategy is required");
        }
        privateKey = privateKey.clone();
    }

    /**
     * MTU 1420, specification timers, cookies above 128 handshakes/s, 20/s burst 5 per source when loaded, session
     * recovery on ({@link SessionRecoverySettings#defaults()}), the open strategy this JVM runs fastest
     * ({@link Poly1305Intrinsic#preferredStrategy()}).
     */
    public static DeviceConfig of(byte[] privateKey) {
        return new DeviceConfig(privateKey, 1420, TimerConfig.defaults(), 128, 20, 5, Clock.systemUTC(),
                new SecureRandom(), SessionRecoverySettings.defaults(), Poly1305Intrinsic.preferredStrategy());
    }

    public DeviceConfig withTimers(TimerConfig t) {
        return new DeviceConfig(privateKey, mtu, t, underLoadHandshakesPerSecond, sourceHandshakesPerSecond,
                sourceHandshakeBurst, clock, random, recovery, openStrategy);
    }

    public DeviceConfig withMtu(int m) {
        return new DeviceConfig(privateKey, m, timers, underLoadHandshakesPerSecond, sourceHandshakesPerSecond,
                sourceHandshakeBurst, clock, random, recovery, openStrategy);
    }

    public DeviceConfig withClock(Clock c) {
        return new DeviceConfig(privateKey, mtu, timers, underLoadHandshakesPerSecond, sourceHandshakesPerSecond,
                sourceHandshakeBurst, c, random, recovery, openStrategy);
    }

    public DeviceConfig withUnderLoadThreshold(int handshakesPerSecond) {
        return new DeviceConfig(privateKey, mtu, timers, handshakesPerSecond, sourceHandshakesPerSecond,
                sourceHandshakeBurst, clock, random, recovery, openStrategy);
    }

    public DeviceConfig withRandom(SecureRandom r) {
        return new DeviceConfig(privateKey, mtu, timers, underLoadHandshakesPerSecond, sourceHandshakesPerSecond,
                sourceHandshakeBurst, clock, r, recovery, openStrategy);
    }

    public DeviceConfig withSessionRecovery(SessionRecoverySettings s) {
        return new DeviceConfig(privateKey, mtu, timers, underLoadHandshakesPerSecond, sourceHandshakesPerSecond,
                sourceHandshakeBurst, clock, random, s, openStrategy);
    }

    public DeviceConfig withOpenStrategy(OpenStrategy o) {
        return new DeviceConfig(privateKey, mtu, timers, underLoadHandshakesPerSecond, sourceHandshakesPerSecond,
                sourceHandshakeBurst, clock, random, recovery, o);
    }

    @Override
    public byte[] privateKey() {
        return privateKey.clone();
    }
}
