package dev.pinhole.wireguard;

import java.time.Duration;

/**
 * Protocol timer durations (WireGuard paper section 6; wireguard-go {@code device/constants.go}). The defaults are
 * the specification's; tests may shorten them, e.g. to watch a rekey happen.
 */
public record TimerConfig(
        Duration rekeyAfterTime,
        Duration rejectAfterTime,
        Duration rekeyAttemptTime,
        Duration rekeyTimeout,
        int rekeyTimeoutJitterMaxMillis,
        Duration keepaliveTimeout,
        Duration cookieRefreshTime,
        long rekeyAfterMessages,
        long rejectAfterMessages) {

    public TimerConfig {
        for (Duration d : new Duration[] {rekeyAfterTime, rejectAfterTime, rekeyAttemptTime, rekeyTimeout,
                keepaliveTimeout, cookieRefreshTime}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timer durations must be positive");
            }
        }
        if (rekeyTimeoutJitterMaxMillis < 1) {
            throw new IllegalArgumentException("jitter bound must be at least 1 ms");
        }
    }

    /** REKEY_AFTER_TIME 120 s, REJECT_AFTER_TIME 180 s, REKEY_ATTEMPT_TIME 90 s, REKEY_TIMEOUT 5 s (+0..333 ms),
     *  KEEPALIVE_TIMEOUT 10 s, COOKIE_REFRESH_TIME 120 s, REKEY_AFTER_MESSAGES 2^60,
     *  REJECT_AFTER_MESSAGES 2^64-2^13-1. */
    public static TimerConfig defaults() {
        return new TimerConfig(Duration.ofSeconds(120), Duration.ofSeconds(180), Duration.ofSeconds(90),
                Duration.ofSeconds(5), 334, Duration.ofSeconds(10), Duration.ofSeconds(120),
                ProtocolConstants.REKEY_AFTER_MESSAGES, ProtocolConstants.REJECT_AFTER_MESSAGES);
    }

    public TimerConfig withRekeyAfterTime(Duration d) {
        return new TimerConfig(d, rejectAfterTime, rekeyAttemptTime, rekeyTimeout, rekeyTimeoutJitterMaxMillis,
                keepaliveTimeout, cookieRefreshTime, rekeyAfterMessages, rejectAfterMessages);
    }

    public TimerConfig withRejectAfterTime(Duration d) {
        return new TimerConfig(rekeyAfterTime, d, rekeyAttemptTime, rekeyTimeout, rekeyTimeoutJitterMaxMillis,
                keepaliveTimeout, cookieRefreshTime, rekeyAfterMessages, rejectAfterMessages);
    }

    public TimerConfig withRekeyAfterMessages(long n) {
        return new TimerConfig(rekeyAfterTime, rejectAfterTime, rekeyAttemptTime, rekeyTimeout,
                rekeyTimeoutJitterMaxMillis, keepaliveTimeout, cookieRefreshTime, n, rejectAfterMessages);
    }

    /** How many handshake attempts fit in REKEY_ATTEMPT_TIME (18 with the defaults). */
    int maxHandshakeAttempts() {
        return (int) (rekeyAttemptTime.toNanos() / rekeyTimeout.toNanos());
    }
}
