package dev.pinhole.operator.ipset;

import dev.pinhole.api.IPSet;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * Triggers an IPSet's reconcile when a fetch of one of its sources has ended (and the sets including it, when
 * asked), and owns the fetch threads' lifetime.
 */
final class FeedFetchEvents extends AbstractEventSource<SetKey, IPSet> {
    static final String NAME = "feed-fetches";

    private final ExecutorService pool;

    FeedFetchEvents(FeedRefresher refresher, ExecutorService pool) {
        super(SetKey.class, NAME);
        this.pool = pool;
        refresher.onChange(set -> touch(set.namespace(), Set.of(set.name())));
    }

    /** Reconcile these sets of {@code namespace} again. */
    void touch(String namespace, Set<String> names) {
        if (getEventHandler() == null) {
            return;
        }
        names.forEach(name -> getEventHandler().handleEvent(new Event(new ResourceID(name, namespace))));
    }

    @Override
    public Set<SetKey> getSecondaryResources(IPSet primary) {
        return Set.of();
    }

    @Override
    public void stop() {
        pool.shutdownNow();
        super.stop();
    }
}
