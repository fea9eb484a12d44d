package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {
    private static final long LIMIT = ProtocolConstants.REJECT_AFTER_MESSAGES;
    private final ReplayWindow window = new ReplayWindow();

    @Test
    void firstUseOfACounterIsAccepted() {
        assertThat(window.accept(0, LIMIT)).isTrue();
        assertThat(window.accept(1, LIMIT)).isTrue();
    }

    @Test
    void replayedCounterIsRejected() {
        assertThat(window.accept(5, LIMIT)).isTrue();
        assertThat(window.accept(5, LIMIT)).isFalse();
    }

    @Test
    void reorderedCountersInsideTheWindowAreAccepted() {
        assertThat(window.accept(3000, LIMIT)).isTrue();
        assertThat(window.accept(1000, LIMIT)).isTrue();
        assertThat(window.accept(2999, LIMIT)).isTrue();
        assertThat(window.accept(1000, LIMIT)).isFalse();
    }

    @Test
    void windowIsAtLeast2048Wide() {
        assertThat(window.accept(10_000, LIMIT)).isTrue();
        assertThat(window.accept(10_000 - 2048, LIMIT)).isTrue();
        assertThat(ReplayWindow.WINDOW_SIZE).isGreaterThanOrEqualTo(2048);
    }

    @Test
    void counterOlderThanTheWindowIsRejected() {
        assertThat(window.accept(100_000, LIMIT)).isTrue();
        assertThat(window.accept(100_000 - ReplayWindow.WINDOW_SIZE - 1, LIMIT)).isFalse();
    }

    @Test
    void counterAtTheRejectLimitIsRejected() {
        assertThat(window.accept(LIMIT, LIMIT)).isFalse();
        assertThat(window.accept(-1L, LIMIT)).isFalse();
        assertThat(window.accept(LIMIT - 1, LIMIT)).isTrue();
    }

    @Test
    void bigJumpClearsTheRing() {
        assertThat(window.accept(64, LIMIT)).isTrue();
        assertThat(window.accept(64 + 1_000_000, LIMIT)).isTrue();
        assertThat(window.accept(64 + 1_000_000 - 64 * 127, LIMIT)).isTrue();
    }

    @Test
    void agreesWithANaiveOracleOnRandomTraffic() {
        Random rnd = new Random(42);
        BitSet seen = new BitSet();
        long max = -1;
        for (int i = 0; i < 200_000; i++) {
            long c = Math.max(0, (max < 0 ? 0 : max) + rnd.nextInt(3000) - 2500);
            boolean expected;
            if (max >= 0 && c <= max && max - c > ReplayWindow.WINDOW_SIZE) {
                expected = false;
            } else {
                expected = !seen.get((int) c);
            }
            boolean got = window.accept(c, LIMIT);
            assertThat(got).as("counter %d (max %d)", c, max).isEqualTo(expected);
            if (got) {
                seen.set((int) c);
                max = Math.max(max, c);
            }
        }
    }

    @Test
    void preCheckAgreesWithAcceptAndDoesNotMoveTheWindow() {
        assertThat(window.accept(100, LIMIT)).isTrue();
        assertThat(window.couldAccept(100, LIMIT)).isFalse();
        assertThat(window.couldAccept(99, LIMIT)).isTrue();
        assertThat(window.couldAccept(1_000_000, LIMIT)).isTrue();
        assertThat(window.accept(99, LIMIT)).isTrue();
        assertThat(window.accept(100 + ReplayWindow.WINDOW_SIZE, LIMIT)).isTrue();
        assertThat(window.couldAccept(99, LIMIT)).isFalse();
    }
}
