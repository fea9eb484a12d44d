package dev.pinhole.ipset.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.ipset.Cidr;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class FeedSourceStateTest {
    private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
    private static final RefreshPolicy HOURLY = RefreshPolicy.every(Duration.ofHours(1));
    private static final DoubleSupplier MID = () -> 0.5;
    private static final FeedFetcher.Validators V1 = new FeedFetcher.Validators(Optional.of("\"v1\""),
            Optional.empty());

    /** {@code n} distinct /24s from 198.18.0.0 on, starting at the {@code from}-th. */
    private static FeedContent list(int from, int n) {
        List<Cidr> prefixes = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            prefixes.add(Cidr.parse("198.18." + i + ".0/24"));
        }
        return new FeedContent(prefixes, Optional.empty(), Optional.empty());
    }

    private static FeedSourceState accepted(FeedContent content) {
        return FeedSourceState.initial(Optional.empty(), T0).fetched(content, V1, T0, HOURLY, MID).state();
    }

    @Test
    void aFailureKeepsTheListInForce() {
        FeedSourceState good = accepted(list(0, 10));

        FeedSourceState.Transition failed = good.failed("api.github.com answered HTTP 503", T0.plusSeconds(3600),
                HOURLY, MID);

        assertThat(failed.state().lastGood()).isEqualTo(good.lastGood());
        assertThat(failed.state().lastError()).contains("api.github.com answered HTTP 503");
        assertThat(failed.step()).isEqualTo(new FeedSourceState.Kept("api.github.com answered HTTP 503"));
    }

    @Test
    void aTruncatedFeedIsHeldBackAndTheListStays() {
        FeedSourceState good = accepted(list(0, 10));

        FeedSourceState.Transition held = good.fetched(list(0, 4), V1, T0.plusSeconds(3600), HOURLY, MID);

        assertThat(held.step()).isEqualTo(new FeedSourceState.HeldBack(10, 4));
        assertThat(held.state().lastGood().orElseThrow().content()).isEqualTo(list(0, 10));
        assertThat(held.state().nextFetch()).as("confirmed a refresh interval later, not within seconds")
                .isEqualTo(T0.plusSeconds(3600).plus(Duration.ofHours(1)));
    }

    @Test
    void aShrinkThatRepeatsSoonAfterIsStillHeld() {
        FeedSourceState held = accepted(list(0, 10)).fetched(list(0, 4), V1, T0.plusSeconds(3600), HOURLY, MID)
                .state();

        // A retry 30 s later (after a failure's backoff) sees the same half-published file: proves nothing.
        FeedSourceState.Transition again = held.fetched(list(0, 4), V1, T0.plusSeconds(3630), HOURLY, MID);

        assertThat(again.step()).isEqualTo(new FeedSourceState.HeldBack(10, 4));
        assertThat(again.state().lastGood().orElseThrow().content()).isEqualTo(list(0, 10));
        assertThat(again.state().heldBack().orElseThrow().since()).isEqualTo(T0.plusSeconds(3600));
        assertThat(again.state().nextFetch()).isEqualTo(T0.plusSeconds(3600).plus(Duration.ofMinutes(54)));
    }

    @Test
    void aShrinkThatRepeatsAnIntervalLaterIsAccepted() {
        FeedSourceState held = accepted(list(0, 10)).fetched(list(0, 4), V1, T0.plusSeconds(3600), HOURLY, MID)
                .state();

        FeedSourceState.Transition again = held.fetched(list(0, 4), V1, T0.plusSeconds(3600 + 54 * 60), HOURLY,
                MID);

        assertThat(again.step()).isEqualTo(new FeedSourceState.Took(0, 6));
        assertThat(again.state().lastGood().orElseThrow().content()).isEqualTo(list(0, 4));
        assertThat(again.state().heldBack()).isEmpty();
    }

    @Test
    void aDifferentShrinkDoesNotConfirmTheHeldOne() {
        FeedSourceState held = accepted(list(0, 10)).fetched(list(0, 4), V1, T0.plusSeconds(3600), HOURLY, MID)
                .state();

        FeedSourceState.Transition other = held.fetched(list(5, 3), V1, T0.plusSeconds(3630), HOURLY, MID);

        assertThat(other.step()).isEqualTo(new FeedSourceState.HeldBack(10, 3));
        assertThat(other.state().lastGood().orElseThrow().content()).isEqualTo(list(0, 10));
    }

    @Test
    void aShrinkWithinTheFractionIsTaken() {
        FeedSourceState.Transition t = accepted(list(0, 10)).fetched(list(0, 5), V1, T0.plusSeconds(3600), HOURLY,
                MID);

        assertThat(t.step()).isEqualTo(new FeedSourceState.Took(0, 5));
    }

    @Test
    void aChangeCountsAddedAndRemovedPrefixes() {
        FeedSourceState.Transition t = accepted(list(0, 10)).fetched(list(3, 12), V1, T0.plusSeconds(3600), HOURLY,
                MID);

        assertThat(t.step()).isEqualTo(new FeedSourceState.Took(5, 3));
    }

    @Test
    void theFirstListIsTakenHoweverSmall() {
        FeedSourceState.Transition t = FeedSourceState.initial(Optional.empty(), T0).fetched(list(0, 1), V1, T0,
                HOURLY, MID);

        assertThat(t.step()).isEqualTo(new FeedSourceState.Took(1, 0));
    }

    @Test
    void aRestoredListIsJudgedAsTheListInForce() {
        FeedSourceState restored = FeedSourceState.initial(Optional.of(new FeedSourceState.Accepted(list(0, 10),
                T0.minusSeconds(7200))), T0);

        assertThat(restored.fetched(list(0, 2), V1, T0, HOURLY, MID).step())
                .isEqualTo(new FeedSourceState.HeldBack(10, 2));
    }

    @Test
    void aRestoredListIsFetchedWhenDueWithItsValidators() {
        FeedSourceState restored = FeedSourceState.restored(new FeedSourceState.Accepted(list(0, 10),
                T0.minusSeconds(600)), V1, T0, HOURLY, MID);

        assertThat(restored.validators()).isEqualTo(V1);
        assertThat(restored.nextFetch()).as("fetched 10 min ago: due at its jittered hour")
                .isEqualTo(T0.minusSeconds(600).plus(Duration.ofHours(1)));
    }

    @Test
    void anOverdueRestoredListIsFetchedWithinTheSpreadNotAtOnce() {
        FeedSourceState early = FeedSourceState.restored(new FeedSourceState.Accepted(list(0, 10),
                T0.minus(Duration.ofHours(5))), V1, T0, HOURLY, () -> 0.0);
        FeedSourceState late = FeedSourceState.restored(new FeedSourceState.Accepted(list(0, 10),
                T0.minus(Duration.ofHours(5))), V1, T0, HOURLY, () -> 0.999_999);

        assertThat(early.nextFetch()).isEqualTo(T0);
        assertThat(late.nextFetch()).isBetween(T0.plus(Duration.ofSeconds(299)), T0.plus(Duration.ofMinutes(5)));
    }

    @Test
    void failuresBackOffDoublingUpToTheIntervalWithJitter() {
        FeedSourceState state = accepted(list(0, 10));
        List<Duration> waits = new ArrayList<>();
        Instant now = T0;
        for (int i = 0; i < 9; i++) {
            state = state.failed("down", now, HOURLY, () -> 0.999_999).state();
            waits.add(Duration.between(now, state.nextFetch()));
            now = state.nextFetch();
        }

        // jitter factor just under 1.0: 1 min, 2 min, 4 min, ... capped at the hour
        assertThat(waits.get(0)).isBetween(Duration.ofSeconds(59), Duration.ofSeconds(60));
        assertThat(waits.get(1)).isBetween(Duration.ofSeconds(119), Duration.ofSeconds(120));
        assertThat(waits.get(8)).isBetween(Duration.ofMinutes(59), Duration.ofHours(1));
        assertThat(state.failures()).isEqualTo(9);
        assertThat(state.failingSince()).contains(T0);
        assertThat(state.failed("down", now, HOURLY, () -> 0.0).state().nextFetch())
                .isEqualTo(now.plus(Duration.ofMinutes(30)));
    }

    @Test
    void refreshesAreJitteredAroundTheInterval() {
        FeedSourceState low = FeedSourceState.initial(Optional.empty(), T0).fetched(list(0, 1), V1, T0, HOURLY,
                () -> 0.0).state();
        FeedSourceState high = FeedSourceState.initial(Optional.empty(), T0).fetched(list(0, 1), V1, T0, HOURLY,
                () -> 0.999_999).state();

        assertThat(low.nextFetch()).isEqualTo(T0.plus(Duration.ofMinutes(54)));
        assertThat(high.nextFetch()).isBetween(T0.plus(Duration.ofMinutes(65)), T0.plus(Duration.ofMinutes(66)));
    }

    @Test
    void notModifiedConfirmsTheListAndKeepsItFresh() {
        FeedSourceState good = accepted(list(0, 10));
        Instant later = T0.plus(Duration.ofHours(5));

        assertThat(good.staleSince(later, HOURLY)).contains(T0.plus(Duration.ofHours(3)));
        FeedSourceState confirmed = good.notModified(later, HOURLY, MID).state();
        assertThat(confirmed.staleSince(later, HOURLY)).isEmpty();
        assertThat(confirmed.validators()).isEqualTo(V1);
    }

    @Test
    void aSourceThatNeverFetchedIsStaleSinceItsFirstFailure() {
        FeedSourceState failing = FeedSourceState.initial(Optional.empty(), T0).failed("refused", T0, HOURLY, MID)
                .state().failed("refused", T0.plusSeconds(60), HOURLY, MID).state();

        assertThat(failing.staleSince(T0.plusSeconds(120), HOURLY)).contains(T0);
        assertThat(failing.lastGood()).isEmpty();
    }

    @Test
    void aRefreshFasterThanFiveMinutesIsRefused() {
        assertThatThrownBy(() -> RefreshPolicy.every(Duration.ofSeconds(10)))
                .hasMessage("refresh interval PT10S is below PT5M");
        assertThatThrownBy(() -> new RefreshPolicy(Duration.ofHours(1), Duration.ofSeconds(30), 0, Duration.ofHours(3)))
                .hasMessageContaining("max shrink");
    }
}
