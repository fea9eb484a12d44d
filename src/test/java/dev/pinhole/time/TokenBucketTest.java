package dev.pinhole.time;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The token bucket: its rate and burst, and timestamps that arrive out of order. */
class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void givesTheBurstThenTheRate() {
        TokenBucket bucket = new TokenBucket(2, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(bucket.take(0)).isTrue();
        }
        assertThat(bucket.take(0)).isFalse();
        assertThat(bucket.take(SECOND / 2)).isTrue();
        assertThat(bucket.take(SECOND / 2)).isFalse();
    }

    @Test
    void anEarlierTimestampCreditsNothingTwice() {
        // Timestamps are taken before the lock: a thread may arrive with an older one. The interval between the
        // older and the newer timestamp must not be credited again when the newer time comes back.
        TokenBucket bucket = new TokenBucket(1, 1);
        assertThat(bucket.take(10 * SECOND)).isTrue();
        assertThat(bucket.take(5 * SECOND)).isFalse();
        assertThat(bucket.take(10 * SECOND)).isFalse();
        assertThat(bucket.available(11 * SECOND)).isTrue();
    }
}
