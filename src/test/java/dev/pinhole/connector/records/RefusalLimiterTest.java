package dev.pinhole.connector.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import org.junit.jupiter.api.Test;

/** A scan from one client writes a bounded number of refusal records, and says how many it left out. */
class RefusalLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    private enum Reason { NO_ROUTE, NOT_MAPPED }

    @Adversarial
    @Test
    void aFloodWritesTheBurstThenTheRateAndCountsTheRest() {
        RefusalLimiter limiter = new RefusalLimiter(2);
        long now = 5 * SECOND;
        int written = 0;
        long suppressedReported = 0;
        // 10,000 refusals spread over 3 seconds.
        for (int i = 0; i < 10_000; i++) {
            long left = limiter.admit("mallory", Reason.NO_ROUTE, now + i * (3 * SECOND / 10_000));
            if (left >= 0) {
                written++;
                suppressedReported += left;
            }
        }

        assertThat(written).isBetween(RecordSettings.REFUSAL_BURST, RecordSettings.REFUSAL_BURST + 2 * 3 + 1);
        // What was written plus what the written lines report covers every refusal but the ones since the last.
        assertThat(written + suppressedReported).isLessThanOrEqualTo(10_000).isGreaterThan(10_000 - 5_000);
    }

    @Test
    void theNextRecordAfterARefillSaysHowManyWereLeftOut() {
        RefusalLimiter limiter = new RefusalLimiter(1);
        long now = SECOND;
        for (int i = 0; i < RecordSettings.REFUSAL_BURST; i++) {
            assertThat(limiter.admit("mallory", Reason.NO_ROUTE, now)).isZero();
        }
        for (int i = 0; i < 37; i++) {
            assertThat(limiter.admit("mallory", Reason.NO_ROUTE, now)).isEqualTo(-1);
        }

        assertThat(limiter.admit("mallory", Reason.NO_ROUTE, now + SECOND)).isEqualTo(37);
        assertThat(limiter.admit("mallory", Reason.NO_ROUTE, now + SECOND)).isEqualTo(-1);
    }

    @Test
    void oneClientsScanLeavesAnotherClientAndAnotherReasonTheirOwnBudget() {
        RefusalLimiter limiter = new RefusalLimiter(1);
        for (int i = 0; i < 1_000; i++) {
            limiter.admit("mallory", Reason.NO_ROUTE, SECOND);
        }

        assertThat(limiter.admit("alice", Reason.NO_ROUTE, SECOND)).isZero();
        assertThat(limiter.admit("mallory", Reason.NOT_MAPPED, SECOND)).isZero();
    }

    @Adversarial
    @Test
    void theTableStaysBoundedWhateverTheNumberOfClients() {
        RefusalLimiter limiter = new RefusalLimiter(1);
        for (int i = 0; i < RefusalLimiter.MAX_CLIENTS * 5; i++) {
            limiter.admit("client-" + i, Reason.NO_ROUTE, SECOND);
        }

        assertThat(limiter.clients()).isEqualTo(RefusalLimiter.MAX_CLIENTS);
    }

    @Test
    void refilledBucketsAreForgottenAndOnesStillHoldingACountAreKept() {
        RefusalLimiter limiter = new RefusalLimiter(1);
        limiter.admit("alice", Reason.NO_ROUTE, SECOND);
        for (int i = 0; i < 50; i++) {
            limiter.admit("mallory", Reason.NO_ROUTE, SECOND);
        }

        limiter.sweep(SECOND * 60);

        assertThat(limiter.clients()).isEqualTo(1);
        assertThat(limiter.admit("mallory", Reason.NO_ROUTE, SECOND * 60)).isEqualTo(40);
    }

    @Test
    void aNewRateStartsTheBucketsOver() {
        RefusalLimiter limiter = new RefusalLimiter(1);
        for (int i = 0; i < 50; i++) {
            limiter.admit("mallory", Reason.NO_ROUTE, SECOND);
        }

        limiter.rate(5);

        assertThat(limiter.admit("mallory", Reason.NO_ROUTE, SECOND)).isZero();
    }
}
