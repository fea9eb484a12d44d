package dev.pinhole.connector;

import dev.pinhole.connector.config.ConnectorConfig;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * When the egress is checked and what a result may change: a check at start, again every minute once verified
 * (every 10 s while not), and at once when the config names another elastic IP, verify URL or enforcement. A result
 * counts only while the config still names what it was made for ({@link EgressVerifier.Target}): a check still in
 * flight for the previous IP is discarded, never applied to the new one.
 *
 * <p>Threading: checks run one at a time on their own thread (a check may wait seconds for the verify URL, which must
 * not hold up config reloads); {@link #configChanged} may be called from any thread.
 */
final class EgressChecks implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EgressChecks.class.getName());
    static final long RECHECK_VERIFIED_MS = 60_000;
    static final long RECHECK_FAILING_MS = 10_000;

    /** The part of the config that decides the egress gate. */
    private record Settings(EgressVerifier.Target target, boolean enforce) {
        static Settings of(ConnectorConfig.Egress egress) {
            return new Settings(EgressVerifier.Target.of(egress), egress.enforce());
        }
    }

    private final Readiness readiness;
    private final DataPlane dataPlane;
    private final EgressVerifier verifier = new EgressVerifier(Duration.ofSeconds(5));
    /** Guarded: an Error in a check is reported by {@link #failure()} instead of silently ending the checks. */
    private final GuardedTimers thread = new GuardedTimers("connector-egress");
    private Settings settings;
    private ScheduledFuture<?> next;

    EgressChecks(ConnectorConfig.Egress initial, Readiness readiness, DataPlane dataPlane) {
        this.readiness = readiness;
        this.dataPlane = dataPlane;
        this.settings = Settings.of(initial);
    }

    /** Starts the periodic checks with one at once. */
    synchronized void start() {
        schedule(0);
    }

    /**
     * The config changed: if its egress settings did, the old result no longer holds. Enforced, the gate closes
     * at once (the data plane already refuses new flows: its result is for another target) and a check runs now.
     */
    void configChanged(ConnectorConfig.Egress egress) {
        Settings now = Settings.of(egress);
        synchronized (this) {
            if (now.equals(settings)) {
                return;
            }
            settings = now;
            if (now.enforce()) {
                readiness.close("egress", "egress IP " + now.target().elasticIp() + " not verified yet");
            } else {
                readiness.open("egress", "not enforced");
            }
            schedule(0);
        }
        LOG.log(System.Logger.Level.INFO, "egress settings changed (elastic IP {0}, enforce {1}): checking now",
                now.target().elasticIp(), now.enforce());
    }

    /** One check, its result applied if the config still names its target; returns it. */
    EgressVerifier.Result checkOnce() {
        Settings asked;
        synchronized (this) {
            asked = settings;
        }
        if (asked.target().verifyUrl() == null) {
            if (!asked.enforce()) {
                readiness.open("egress", "not enforced");
            }
            return null;
        }
        EgressVerifier.Result result = verifier.check(asked.target());
        synchronized (this) {
            if (!result.target().equals(settings.target())) {
                LOG.log(System.Logger.Level.INFO, "discarding the egress check for {0}: the config now names {1}",
                        result.target().elasticIp(), settings.target().elasticIp());
                return result;
            }
            dataPlane.egress(result);
            if (result.verified() || !settings.enforce()) {
                readiness.open("egress", result.verified() ? "egress IP " + result.observedIp() + " verified"
                        : "not enforced: " + result.error());
            } else {
                readiness.close("egress", result.error());
            }
        }
        return result;
    }

    private void checkAndReschedule() {
        Settings started;
        synchronized (this) {
            started = settings;
        }
        EgressVerifier.Result result;
        try {
            result = checkOnce();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "egress check failed: " + e);
            result = null;
        }
        synchronized (this) {
            if (!settings.equals(started)) {
                return; // configChanged planned a check for the new settings already; keep that one
            }
            boolean verified = result == null ? settings.target().verifyUrl() == null : result.verified();
            schedule(verified ? RECHECK_VERIFIED_MS : RECHECK_FAILING_MS);
        }
    }

    /** Replaces the next planned check (one chain of checks, never two). Caller holds the lock. */
    private void schedule(long delayMs) {
        if (next != null) {
            next.cancel(false);
        }
        if (!thread.isShutdown()) {
            next = thread.schedule(this::checkAndReschedule, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    /** Why the checks can no longer run (their thread's task died of an Error), or empty. */
    java.util.Optional<String> failure() {
        return thread.failure();
    }

    @Override
    public void close() {
        thread.close();
    }
}
