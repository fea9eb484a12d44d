package dev.pinhole.wireguard;

/**
 * Whether and how fast a replica re-establishes sessions that another replica held ({@link SessionRecovery}).
 *
 * @param enabled   false: unknown indices are only dropped (as before); our own indices stay recoverable, so
 *                  replicas with recovery on can still take over this one's sessions
 * @param perSecond recovery initiations per second, all clients together (the reflector bound)
 * @param burst     initiations allowed at once above that rate (a failover brings many clients together)
 */
public record SessionRecoverySettings(boolean enabled, int perSecond, int burst) {
    public SessionRecoverySettings {
        if (perSecond < 1 || burst < 1) {
            throw new IllegalArgumentException("session recovery rate and burst must be positive");
        }
    }

    /**
     * On, 50 initiations per second with a burst of 50: at most 7.4 KB/s of 148-byte initiations whatever arrives,
     * and well below the 128 handshake messages per second above which cookies are demanded (each recovery brings
     * one response).
     */
    public static SessionRecoverySettings defaults() {
        return new SessionRecoverySettings(true, 50, 50);
    }

    /** Today's behaviour, for comparison: unknown indices dropped, the client's timers recover. */
    public static SessionRecoverySettings off() {
        return new SessionRecoverySettings(false, 50, 50);
    }

    public SessionRecoverySettings withRate(int initiationsPerSecond, int initiationBurst) {
        return new SessionRecoverySettings(enabled, initiationsPerSecond, initiationBurst);
    }
}
