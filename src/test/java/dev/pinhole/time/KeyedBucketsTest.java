package dev.pinhole.time;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A token bucket per key, bounded in keys: the handshake limit per source (refuse new keys when full) and the record
 * limits per client (evict the least recent), with what each key left out counted and told.
 */
class KeyedBucketsTest {
    private static final long MS = 1_000_000L;
    private static final long SECOND = 1_000_000_000L;

    private static int allowedOf(KeyedBuckets<String> buckets, String key, int attempts, long now) {
        int allowed = 0;
        for (int i = 0; i < attempts; i++) {
            allowed += buckets.allow(key, now) ? 1 : 0;
        }
        return allowed;
    }

    private static KeyedBuckets<String> refusing() {
        return new KeyedBuckets<>(10, 3, 1 << 16, KeyedBuckets.WhenFull.REFUSE_NEW);
    }

    @Test
    void aNewKeyGetsTheBurstAndNoMore() {
        assertThat(allowedOf(refusing(), "a", 10, 0)).isEqualTo(3);
    }

    @Test
    void aKeyRefillsAtTheRate() {
        KeyedBuckets<String> buckets = refusing();
        allowedOf(buckets, "a", 10, 0);
        assertThat(allowedOf(buckets, "a", 10, 250 * MS)).as("2.5 tokens in 250 ms at 10/s").isEqualTo(2);
    }

    @Test
    void timestampsArrivingOutOfOrderCreditNothingTwice() {
        KeyedBuckets<String> buckets = refusing();
        allowedOf(buckets, "a", 10, 1_000 * MS);
        allowedOf(buckets, "a", 1, 900 * MS);  // taken before the lock, arriving late
        assertThat(allowedOf(buckets, "a", 10, 1_050 * MS)).as("0.5 token since 1,000 ms").isZero();
    }

    @Adversarial
    @Test
    void aFullRefusingTableRefusesNewKeysAndKeepsKnownOnes() {
        KeyedBuckets<String> buckets = refusing();
        for (int i = 0; i < 1 << 16; i++) {
            buckets.allow("k" + i, 0);
        }
        assertThat(buckets.allow("new", 0)).as("a new key over the bound").isFalse();
        assertThat(buckets.allow("k7", 0)).as("a known key keeps its bucket").isTrue();
        assertThat(buckets.refusedForFullTable()).isEqualTo(1);
    }

    @Test
    void sweepingForgetsKeysWhoseBucketRefilled() {
        KeyedBuckets<String> buckets = refusing();
        for (int i = 0; i < 1 << 16; i++) {
            buckets.allow("k" + i, 0);
        }
        buckets.sweep(50 * MS);
        assertThat(buckets.allow("new", 50 * MS)).as("half a token short of full: kept").isFalse();
        buckets.sweep(100 * MS);
        assertThat(buckets.allow("new", 100 * MS)).as("refilled and swept").isTrue();
    }

    @Adversarial
    @Test
    void aFloodGetsTheBurstThenTheRateAndEveryRefusalIsToldOnce() {
        KeyedBuckets<String> buckets = new KeyedBuckets<>(2, 10, 1_024, KeyedBuckets.WhenFull.EVICT_LEAST_RECENT);
        long now = 5 * SECOND;
        int admitted = 0;
        long told = 0;
        // 10,000 attempts spread over 3 seconds.
        for (int i = 0; i < 10_000; i++) {
            long left = buckets.admit("mallory", now + i * (3 * SECOND / 10_000));
            if (left >= 0) {
                admitted++;
                told += left;
            }
        }
        long[] recovered = new long[1];
        buckets.sweep(now + 60 * SECOND, (k, n) -> recovered[0] += n);

        assertThat(admitted).isBetween(10, 10 + 2 * 3 + 1);
        assertThat(admitted + told + recovered[0]).as("admitted, told at the next admission, told at recovery")
                .isEqualTo(10_000);
        assertThat(buckets.keys()).isZero();
    }

    @Test
    void theNextAdmissionAfterARefillSaysHowManyWereRefused() {
        KeyedBuckets<String> buckets = new KeyedBuckets<>(1, 10, 16, KeyedBuckets.WhenFull.EVICT_LEAST_RECENT);
        for (int i = 0; i < 10; i++) {
            assertThat(buckets.admit("mallory", SECOND)).isZero();
        }
        for (int i = 0; i < 37; i++) {
            assertThat(buckets.admit("mallory", SECOND)).isEqualTo(-1);
        }

        assertThat(buckets.admit("mallory", 2 * SECOND)).isEqualTo(37);
        assertThat(buckets.admit("mallory", 2 * SECOND)).isEqualTo(-1);
    }

    @Test
    void oneKeysFloodLeavesAnotherKeyItsOwnBucket() {
        KeyedBuckets<String> buckets = new KeyedBuckets<>(1, 10, 16, KeyedBuckets.WhenFull.EVICT_LEAST_RECENT);
        for (int i = 0; i < 1_000; i++) {
            buckets.admit("mallory", SECOND);
        }

        assertThat(buckets.admit("alice", SECOND)).isZero();
    }

    @Adversarial
    @Test
    void anEvictingTableStaysBoundedAndTellsWhatAnEvictedKeyLeftOut() {
        Map<String, Long> evicted = new LinkedHashMap<>();
        KeyedBuckets<String> buckets = new KeyedBuckets<>(1, 1, 1_024, KeyedBuckets.WhenFull.EVICT_LEAST_RECENT,
                evicted::put);
        buckets.admit("mallory", SECOND);
        buckets.admit("mallory", SECOND);
        buckets.admit("mallory", SECOND);
        for (int i = 0; i < 1_024 * 5; i++) {
            buckets.admit("client-" + i, SECOND);
        }

        assertThat(buckets.keys()).isEqualTo(1_024);
        assertThat(evicted).containsExactly(Map.entry("mallory", 2L));
    }

    @Test
    void sweepTellsARecoveredKeyOnceAndForgetsIt() {
        Map<String, Long> recovered = new LinkedHashMap<>();
        KeyedBuckets<String> buckets = new KeyedBuckets<>(1, 10, 16, KeyedBuckets.WhenFull.EVICT_LEAST_RECENT);
        buckets.admit("alice", SECOND);
        for (int i = 0; i < 50; i++) {
            buckets.admit("mallory", SECOND);
        }

        buckets.sweep(5 * SECOND, recovered::put);
        assertThat(recovered).as("not refilled yet").isEmpty();
        buckets.sweep(60 * SECOND, recovered::put);
        buckets.sweep(61 * SECOND, recovered::put);

        assertThat(recovered).containsExactly(Map.entry("mallory", 40L));
        assertThat(buckets.keys()).isZero();
    }

    @Test
    void aNewRateStartsTheBucketsOverAndTellsWhatTheyHeld() {
        Map<String, Long> recovered = new LinkedHashMap<>();
        KeyedBuckets<String> buckets = new KeyedBuckets<>(1, 10, 16, KeyedBuckets.WhenFull.EVICT_LEAST_RECENT);
        for (int i = 0; i < 50; i++) {
            buckets.admit("mallory", SECOND);
        }

        buckets.rate(5, recovered::put);

        assertThat(recovered).containsExactly(Map.entry("mallory", 40L));
        assertThat(buckets.admit("mallory", SECOND)).isZero();
    }
}
