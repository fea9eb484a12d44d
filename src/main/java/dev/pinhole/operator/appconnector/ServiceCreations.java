package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnector;
import io.fabric8.kubernetes.api.model.Service;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Creates new connector Services on a few threads of its own, and brings the connector back when one is done.
 *
 * <p>A Service's cluster IP allocation is the API server's slowest write: about 0.1 s alone, several seconds when
 * dozens arrive at once, because the allocator serialises them (300 ClusterIP Services, 50 at a time: 17 per
 * second; headless: 175). Every controller shares one reconcile pool, so reconciles waiting for it held up every
 * other connector and IPSet (bench/scale.sh: IPSets Ready 28 s after their apply, connectors whose pods were
 * long ready waited a minute for their status). A reconcile now starts the create and moves on; this event source
 * triggers the next one when the create has ended either way.
 */
final class ServiceCreations extends AbstractEventSource<ServiceCreations.Outcome, AppConnector> {
    static final String NAME = "service-creations";
    /** Failures of connectors that were deleted before their next reconcile are dropped after this long. */
    private static final Duration FORGET_AFTER = Duration.ofMinutes(10);

    /** How the latest create of a connector's Service stands, while there is something to report. */
    sealed interface Outcome {
        Instant at();

        /** Under way. */
        record Pending(Instant at) implements Outcome {}

        /** Refused or not answered; retried once {@code retryAfter} has passed. */
        record Failed(Instant at, String message) implements Outcome {}
    }

    /** A connector incarnation: a connector deleted and created again under the same name starts afresh. */
    private record Key(ResourceID id, String uid) {}

    private final ExecutorService pool;
    private final Clock clock;
    private final Duration retryAfter;
    private final Map<Key, Outcome> outcomes = new ConcurrentHashMap<>();

    ServiceCreations(int concurrency, Duration retryAfter, Clock clock) {
        super(Outcome.class, NAME);
        this.clock = clock;
        this.retryAfter = retryAfter;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "service-create-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * For a connector whose Service the informer does not have: starts {@code create} unless one is under way, or
     * failed less than {@code retryAfter} ago. Reconciles of one connector never overlap, so this needs no lock.
     *
     * @return the outcome the reconcile should report: pending, or the last failure
     */
    Outcome request(AppConnector connector, Supplier<Service> create) {
        forgetOld();
        Key key = key(connector);
        Outcome last = outcomes.get(key);
        Instant now = clock.instant();
        if (last instanceof Outcome.Pending
                || (last instanceof Outcome.Failed && now.isBefore(last.at().plus(retryAfter)))) {
            return last;
        }
        Outcome.Pending pending = new Outcome.Pending(now);
        outcomes.put(key, pending);
        pool.execute(() -> {
            try {
                // The create puts the Service into its informer's cache (ChildWriter), so nothing needs
                // remembering once it is done: a later reconcile that misses it means it was deleted since.
                create.get();
                outcomes.remove(key, pending);
            } catch (RuntimeException e) {
                outcomes.put(key, new Outcome.Failed(clock.instant(),
                        e instanceof io.fabric8.kubernetes.client.KubernetesClientException k
                                ? ChildWriteFailure.describe(k, "Service") : String.valueOf(e.getMessage())));
            }
            getEventHandler().handleEvent(new Event(key.id()));
        });
        return last instanceof Outcome.Failed ? last : pending;
    }

    /** The informer has the connector's Service (perhaps created by an attempt that timed out): forget failures. */
    void settled(AppConnector connector) {
        outcomes.remove(key(connector));
    }

    private void forgetOld() {
        Instant horizon = clock.instant().minus(FORGET_AFTER);
        outcomes.values().removeIf(o -> o instanceof Outcome.Failed && o.at().isBefore(horizon));
    }

    private static Key key(AppConnector connector) {
        return new Key(ResourceID.fromResource(connector), connector.getMetadata().getUid());
    }

    @Override
    public Set<Outcome> getSecondaryResources(AppConnector primary) {
        return Set.of();
    }

    @Override
    public void stop() {
        pool.shutdownNow();
        super.stop();
    }
}
