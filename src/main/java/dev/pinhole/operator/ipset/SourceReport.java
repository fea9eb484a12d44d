package dev.pinhole.operator.ipset;

import dev.pinhole.api.IPSetSourceStatus;
import dev.pinhole.ipset.feed.FeedContent;
import dev.pinhole.ipset.feed.FeedSourceState;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What an IPSet's sources say in its status, its Stale condition and its Events. */
final class SourceReport {
    private SourceReport() {}

    /** An Event to record: Warning or not, its reason and message. */
    record Notice(boolean warning, String reason, String message) {}

    /** A source that is stale: which, since when, and the last error if any. */
    record Staleness(String source, Instant since, Optional<String> lastError) {
        String message() {
            return source + " stale since " + since.truncatedTo(ChronoUnit.SECONDS)
                    + lastError.map(e -> ": " + e).orElse(": no fetch succeeded since");
        }
    }

    static List<IPSetSourceStatus> statuses(List<FeedRefresher.SourceView> views, Instant now) {
        List<IPSetSourceStatus> out = new ArrayList<>(views.size());
        for (FeedRefresher.SourceView view : views) {
            FeedSourceState state = view.state();
            IPSetSourceStatus status = new IPSetSourceStatus();
            status.setName(view.plan().request().name());
            status.setUrl(view.plan().request().url().toString());
            state.lastGood().ifPresent(good -> {
                FeedContent content = good.content();
                status.setLastSuccessTime(good.fetchedAt().truncatedTo(ChronoUnit.SECONDS).toString());
                content.version().ifPresent(status::setVersion);
                content.timestamp().ifPresent(status::setTimestamp);
                status.setDigest(content.digest());
                status.setPrefixCount(content.prefixes().size());
            });
            state.lastError().ifPresent(status::setLastError);
            state.staleSince(now, view.plan().policy())
                    .ifPresent(t -> status.setStaleSince(t.truncatedTo(ChronoUnit.SECONDS).toString()));
            state.heldBack().ifPresent(held -> status.setHeldBack(held.content().prefixes().size() + " prefixes, "
                    + held.content().digest() + ", seen since " + held.since().truncatedTo(ChronoUnit.SECONDS)
                    + ": held back until a fetch a refresh interval later repeats it"));
            out.add(status);
        }
        return out;
    }

    /** The first stale source, if any. */
    static Optional<Staleness> stale(List<FeedRefresher.SourceView> views, Instant now) {
        for (FeedRefresher.SourceView view : views) {
            Optional<Instant> since = view.state().staleSince(now, view.plan().policy());
            if (since.isPresent()) {
                return Optional.of(new Staleness(view.plan().request().name(), since.get(),
                        view.state().lastError()));
            }
        }
        return Optional.empty();
    }

    /**
     * When the reconcile should look again: the earliest future fetch or staleness deadline. A fetch under way
     * (due in the past) is not counted: its end triggers the reconcile.
     */
    static Optional<Instant> nextLook(List<FeedRefresher.SourceView> views, Instant now) {
        Optional<Instant> next = Optional.empty();
        for (FeedRefresher.SourceView view : views) {
            List<Instant> candidates = new ArrayList<>();
            candidates.add(view.state().nextFetch());
            view.state().lastGood().ifPresent(g -> candidates.add(g.fetchedAt().plus(view.plan().policy()
                    .staleAfter())));
            for (Instant t : candidates) {
                if (t.isAfter(now) && (next.isEmpty() || t.isBefore(next.get()))) {
                    next = Optional.of(t);
                }
            }
        }
        return next;
    }

    /**
     * Events for what happened to the sources since the last reconcile: a new list ("github/actions: +12 −3
     * CIDRs"), a shrink held back, and a failure whose reason differs from the one the status already shows.
     */
    static List<Notice> notices(List<FeedRefresher.SourceView> views, List<IPSetSourceStatus> before) {
        List<Notice> out = new ArrayList<>();
        for (FeedRefresher.SourceView view : views) {
            String name = view.plan().request().name();
            Optional<String> previousError = before == null ? Optional.empty() : before.stream()
                    .filter(s -> name.equals(s.getName())).findFirst().map(IPSetSourceStatus::getLastError);
            for (FeedSourceState.Step step : view.steps()) {
                if (step instanceof FeedSourceState.Took took) {
                    out.add(new Notice(false, "SourceUpdated", name + ": +" + took.added() + " \u2212"
                            + took.removed() + " CIDRs"));
                } else if (step instanceof FeedSourceState.HeldBack held) {
                    out.add(new Notice(true, "SourceHeldBack", name + ": " + held.before() + " -> " + held.after()
                            + " CIDRs held back until the next fetch repeats the list"));
                } else if (step instanceof FeedSourceState.Kept kept
                        && !previousError.equals(Optional.of(kept.reason()))) {
                    out.add(new Notice(true, "SourceFailed", name + ": " + kept.reason()
                            + " (the list in force stays)"));
                    previousError = Optional.of(kept.reason());
                }
            }
        }
        return out;
    }
}
