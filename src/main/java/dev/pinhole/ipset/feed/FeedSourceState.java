package dev.pinhole.ipset.feed;

import dev.pinhole.ipset.Cidr;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleSupplier;

/**
 * What the operator knows of one source, and the rules for changing it (sans-I/O: time and randomness come in).
 * The list in force ({@code lastGood}) only ever changes to a feed that parsed; a failure keeps it ("never fail
 * open, never lose the list").
 *
 * <p>Shrink rule: a new list with fewer than {@code (1 - maxShrink)} times the prefixes of the list in force is
 * held back as suspicious (a vendor's truncated or half-published file looks exactly like this) and the source is
 * fetched again a refresh interval later; it is accepted when a fetch at least {@link #CONFIRM_AFTER} of the
 * interval after it was first seen returns the same list again (same digest: a vendor still publishing it an
 * interval later means it; a half-published file is replaced within minutes, a repeat 30 s later proves nothing).
 * The same list seen sooner (a retry after a failure) stays held. A different list is judged afresh. The first list
 * of a source has nothing to shrink from and is accepted.
 *
 * <p>Timing: after a success the next fetch is the interval times a jitter in [0.9, 1.1) (sources created
 * together do not fetch together); after the n-th failure in a row it is {@code backoffBase * 2^(n-1)}, capped
 * at the interval, times a jitter in [0.5, 1.0). A list restored after a restart is fetched again when it would
 * have been (its fetch time plus the jittered interval), or, when that has passed, at a random moment of the next
 * {@link #RESTORE_SPREAD} of the interval, so a restart does not fetch every source at once.
 */
public record FeedSourceState(Optional<Accepted> lastGood, FeedFetcher.Validators validators, int failures,
        Optional<String> lastError, Optional<Instant> failingSince, Optional<Held> heldBack,
        Instant nextFetch) {
    /** The lower bound of the refresh jitter: a repeat this much of an interval later confirms a shrink. */
    public static final double CONFIRM_AFTER = 0.9;
    /** The fraction of the interval over which overdue restored sources are spread. */
    public static final double RESTORE_SPREAD = 1.0 / 12;

    /** A shrunken list held back, and when it was first seen. */
    public record Held(FeedContent content, Instant since) {}

    /** The list in force and when it was fetched (or last confirmed by a 304). */
    public record Accepted(FeedContent content, Instant fetchedAt) {}

    /** What a step did, for events and metrics. */
    public sealed interface Step permits Took, Unchanged, HeldBack, Kept {}

    /** A new list is in force; {@code added} and {@code removed} count prefixes against the previous one. */
    public record Took(int added, int removed) implements Step {}

    /** The feed said the same thing (304 or the same digest). */
    public record Unchanged() implements Step {}

    /** A shrink beyond the rule, held until it repeats. */
    public record HeldBack(int before, int after) implements Step {}

    /** A failure; the list in force stays. */
    public record Kept(String reason) implements Step {}

    /** A state with its step. */
    public record Transition(FeedSourceState state, Step step) {}

    public FeedSourceState {
        if (failures < 0) {
            throw new IllegalArgumentException("failures must not be negative");
        }
    }

    /** A source never fetched, due now (or a restored list, fetched again now). */
    public static FeedSourceState initial(Optional<Accepted> restored, Instant now) {
        return new FeedSourceState(restored, FeedFetcher.Validators.NONE, 0, Optional.empty(), Optional.empty(),
                Optional.empty(), now);
    }

    /**
     * A list restored from the persisted cache with the validators it came with: in force at once, fetched again
     * (conditionally) when it is due, not at once.
     */
    public static FeedSourceState restored(Accepted list, FeedFetcher.Validators validators, Instant now,
            RefreshPolicy policy, DoubleSupplier random) {
        Instant due = list.fetchedAt().plus(jittered(policy.interval(), 0.9, 1.1, random));
        if (due.isBefore(now)) {
            due = now.plus(jittered(policy.interval(), 0, RESTORE_SPREAD, random));
        }
        return new FeedSourceState(Optional.of(list), validators, 0, Optional.empty(), Optional.empty(),
                Optional.empty(), due);
    }

    /** A body that parsed into {@code content}. */
    public Transition fetched(FeedContent content, FeedFetcher.Validators newValidators, Instant now,
            RefreshPolicy policy, DoubleSupplier random) {
        Instant next = now.plus(jittered(policy.interval(), 0.9, 1.1, random));
        if (lastGood.isPresent() && lastGood.get().content().digest().equals(content.digest())) {
            return new Transition(new FeedSourceState(Optional.of(new Accepted(content, now)), newValidators, 0,
                    Optional.empty(), Optional.empty(), Optional.empty(), next), new Unchanged());
        }
        if (lastGood.isPresent() && shrinksTooMuch(lastGood.get().content(), content, policy)) {
            Optional<Held> same = heldBack.filter(held -> held.content().digest().equals(content.digest()));
            Instant confirmable = same.map(held -> held.since().plus(scaled(policy.interval(), CONFIRM_AFTER)))
                    .orElse(null);
            if (same.isEmpty() || now.isBefore(confirmable)) {
                Held held = same.orElse(new Held(content, now));
                int before = lastGood.get().content().prefixes().size();
                // Validators are not kept: the confirming fetch must return the body, not a 304.
                return new Transition(new FeedSourceState(lastGood, validators, failures, lastError, failingSince,
                        Optional.of(held), same.isPresent() ? confirmable : next),
                        new HeldBack(before, content.prefixes().size()));
            }
        }
        Step step = lastGood.map(previous -> change(previous.content().prefixes(), content.prefixes()))
                .orElse(new Took(content.prefixes().size(), 0));
        return new Transition(new FeedSourceState(Optional.of(new Accepted(content, now)), newValidators, 0,
                Optional.empty(), Optional.empty(), Optional.empty(), next), step);
    }

    /** A 304: the list in force is confirmed as of now. */
    public Transition notModified(Instant now, RefreshPolicy policy, DoubleSupplier random) {
        Optional<Accepted> confirmed = lastGood.map(good -> new Accepted(good.content(), now));
        return new Transition(new FeedSourceState(confirmed, validators, 0, Optional.empty(), Optional.empty(),
                heldBack, now.plus(jittered(policy.interval(), 0.9, 1.1, random))), new Unchanged());
    }

    /** A fetch or parse that failed (or a refusal): the list stays, the next try backs off. */
    public Transition failed(String reason, Instant now, RefreshPolicy policy, DoubleSupplier random) {
        int n = failures + 1;
        Duration backoff = policy.backoffBase().multipliedBy(1L << Math.min(n - 1, 20));
        if (backoff.compareTo(policy.interval()) > 0) {
            backoff = policy.interval();
        }
        return new Transition(new FeedSourceState(lastGood, validators, n, Optional.of(reason),
                Optional.of(failingSince.orElse(now)), heldBack, now.plus(jittered(backoff, 0.5, 1.0, random))),
                new Kept(reason));
    }

    /** Since when the source is stale (no good list, or the list in force is older than allowed), or empty. */
    public Optional<Instant> staleSince(Instant now, RefreshPolicy policy) {
        if (lastGood.isEmpty()) {
            return Optional.of(failingSince.orElse(now));
        }
        Instant limit = lastGood.get().fetchedAt().plus(policy.staleAfter());
        return now.isBefore(limit) ? Optional.empty() : Optional.of(limit);
    }

    private static boolean shrinksTooMuch(FeedContent before, FeedContent after, RefreshPolicy policy) {
        return after.prefixes().size() < (1 - policy.maxShrink()) * before.prefixes().size();
    }

    private static Took change(List<Cidr> before, List<Cidr> after) {
        Set<Cidr> old = new HashSet<>(before);
        Set<Cidr> now = new HashSet<>(after);
        int added = (int) after.stream().filter(c -> !old.contains(c)).count();
        int removed = (int) before.stream().filter(c -> !now.contains(c)).count();
        return new Took(added, removed);
    }

    private static Duration scaled(Duration base, double factor) {
        return Duration.ofMillis((long) (base.toMillis() * factor));
    }

    private static Duration jittered(Duration base, double low, double high, DoubleSupplier random) {
        double factor = low + (high - low) * Math.min(Math.max(random.getAsDouble(), 0), Math.nextDown(1.0));
        return Duration.ofMillis((long) (base.toMillis() * factor));
    }
}
