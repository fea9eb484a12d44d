package dev.pinhole.operator.ipset;

import dev.pinhole.ipset.feed.FeedFetcher;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One fetch per URL shared by every set and source that names it: a fetch already under way is joined, and a body
 * fetched within {@code reuseFor} is answered again (as a 304 to a caller that already holds that version, by its
 * validators), so a hundred sets following GitHub's meta API cost GitHub one request per interval, not a hundred
 * (it allows 60 unauthenticated requests an hour). The bodies kept are bounded in total bytes; the oldest go first.
 */
final class SharedFetches implements FeedRefresher.Fetch {
    /**
     * How long a body answers other sources: under 0.9 of the 5-minute refresh floor, so the fetch that confirms a
     * held-back shrink (a refresh interval later) is never served the very body it must confirm.
     */
    static final Duration REUSE_FOR = Duration.ofMinutes(4);
    /** The bodies kept at most, in total (a body is capped at 8 MiB by FeedLimits). */
    static final long MAX_KEPT_BYTES = 32L * 1024 * 1024;

    private record Recent(FeedFetcher.Fetched fetched, Instant at) {}

    /** What a flight ended with, and the validators its request carried (what a 304 confirms). */
    private record Landed(FeedFetcher.Outcome outcome, FeedFetcher.Validators asked) {}

    private final FeedRefresher.Fetch fetch;
    private final Clock clock;
    private final Duration reuseFor;
    private final long maxKeptBytes;
    private final Map<URI, CompletableFuture<Landed>> inFlight = new LinkedHashMap<>();
    private final LinkedHashMap<URI, Recent> recent = new LinkedHashMap<>();
    private long keptBytes;

    SharedFetches(FeedRefresher.Fetch fetch, Clock clock, Duration reuseFor, long maxKeptBytes) {
        this.fetch = fetch;
        this.clock = clock;
        this.reuseFor = reuseFor;
        this.maxKeptBytes = maxKeptBytes;
    }

    @Override
    public FeedFetcher.Outcome fetch(URI url, FeedFetcher.Validators previous) {
        CompletableFuture<Landed> flight;
        boolean mine = false;
        synchronized (this) {
            Recent known = recent.get(url);
            if (known != null && clock.instant().isBefore(known.at().plus(reuseFor))) {
                return answer(known.fetched(), previous);
            }
            flight = inFlight.get(url);
            if (flight == null) {
                flight = new CompletableFuture<>();
                inFlight.put(url, flight);
                mine = true;
            }
        }
        if (!mine) {
            try {
                Landed shared = flight.get();
                if (shared.outcome() instanceof FeedFetcher.Fetched fetched) {
                    return answer(fetched, previous);
                }
                if (shared.outcome() instanceof FeedFetcher.NotModified && !shared.asked().equals(previous)) {
                    return fetch.fetch(url, previous);  // a 304 for another version says nothing about this one
                }
                return shared.outcome();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new FeedFetcher.Failed("interrupted while waiting for a shared fetch");
            } catch (ExecutionException e) {
                return new FeedFetcher.Failed("a shared fetch failed: " + e.getCause().getClass().getSimpleName());
            }
        }
        FeedFetcher.Outcome outcome;
        try {
            outcome = fetch.fetch(url, previous);
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                inFlight.remove(url);
            }
            flight.completeExceptionally(e);
            throw e;
        }
        synchronized (this) {
            inFlight.remove(url);
            if (outcome instanceof FeedFetcher.Fetched fetched) {
                keep(url, fetched);
            }
        }
        flight.complete(new Landed(outcome, previous));
        return outcome;
    }

    private static FeedFetcher.Outcome answer(FeedFetcher.Fetched fetched, FeedFetcher.Validators previous) {
        boolean same = !previous.equals(FeedFetcher.Validators.NONE) && previous.equals(fetched.validators());
        return same ? new FeedFetcher.NotModified() : fetched;
    }

    private void keep(URI url, FeedFetcher.Fetched fetched) {
        Recent old = recent.remove(url);
        if (old != null) {
            keptBytes -= old.fetched().body().length;
        }
        if (fetched.body().length > maxKeptBytes) {
            return;
        }
        recent.put(url, new Recent(fetched, clock.instant()));
        keptBytes += fetched.body().length;
        Instant now = clock.instant();
        // Oldest first: drop what has expired, and more while over the byte bound.
        for (Iterator<Recent> it = recent.values().iterator(); it.hasNext();) {
            Recent r = it.next();
            if (keptBytes <= maxKeptBytes && now.isBefore(r.at().plus(reuseFor))) {
                break;
            }
            keptBytes -= r.fetched().body().length;
            it.remove();
        }
    }
}
