package dev.pinhole.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The budget's accounting: a client's share and the connector's total, taken together or not at all. */
class ResourceBudgetTest {
    static Map<Resource, Quota> quotas(long perClient, long total) {
        Map<Resource, Quota> q = new EnumMap<>(Resource.class);
        for (Resource r : Resource.values()) {
            q.put(r, new Quota(perClient, total));
        }
        return q;
    }

    final ResourceBudget budget = new ResourceBudget(quotas(10, 15));
    final Allowance a = budget.client("a").allowance(Resource.DNS_QUERIES);
    final Allowance b = budget.client("b").allowance(Resource.DNS_QUERIES);

    @Test
    void aClientGetsUpToItsShareAndIsRefusedBeyond() {
        assertThat(a.tryAcquire(10)).isTrue();
        assertThat(a.tryAcquire(1)).isFalse();
        assertThat(budget.client("a").used(Resource.DNS_QUERIES)).isEqualTo(10);
        assertThat(budget.refusals(Resource.DNS_QUERIES)).isEqualTo(1);
    }

    @Test
    void theTotalBoundsEveryClientTogether() {
        assertThat(a.tryAcquire(10)).isTrue();
        assertThat(b.available()).isEqualTo(5);
        assertThat(b.tryAcquire(6)).isFalse();
        assertThat(b.tryAcquire(5)).isTrue();
        assertThat(budget.used(Resource.DNS_QUERIES)).isEqualTo(15);
    }

    @Test
    void aRefusalByTheTotalTakesNothingFromTheClientsShare() {
        assertThat(a.tryAcquire(10)).isTrue();
        assertThat(b.tryAcquire(6)).isFalse();
        assertThat(budget.client("b").used(Resource.DNS_QUERIES)).isZero();
        assertThat(budget.used(Resource.DNS_QUERIES)).isEqualTo(10);
    }

    @Test
    void releasingGivesBackToTheClientAndTheTotal() {
        a.tryAcquire(10);
        a.release(4);
        assertThat(budget.client("a").used(Resource.DNS_QUERIES)).isEqualTo(6);
        assertThat(budget.used(Resource.DNS_QUERIES)).isEqualTo(6);
        assertThat(a.tryAcquire(4)).isTrue();
    }

    @Test
    void resourcesAreCountedApart() {
        a.tryAcquire(10);
        assertThat(budget.client("a").allowance(Resource.SYNTHETIC_NAMES).tryAcquire(10)).isTrue();
    }

    @Test
    void aLoweredQuotaRefusesNewAcquisitionsAndLetsHoldersFinish() {
        a.tryAcquire(8);
        budget.quotas(quotas(5, 15));
        assertThat(a.tryAcquire(1)).isFalse();
        a.release(8);
        assertThat(a.tryAcquire(5)).isTrue();
    }

    @Test
    void aClientsBudgetSurvivesAsTheSameObject() {
        assertThat(budget.client("a")).isSameAs(budget.client("a"));
    }

    @Test
    void aReleaseWithoutItsAcquireCannotCreateCredit() {
        a.release(5);
        assertThat(a.available()).isEqualTo(10);
        assertThat(budget.used(Resource.DNS_QUERIES)).isZero();
    }
}
