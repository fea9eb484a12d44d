package dev.pinhole.dns.synthetic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.budget.Allowance;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.time.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A client over its quota of synthetic names learns nothing about collisions (the quota is checked first, so it
 * cannot probe which names share an address for free), and refusals it provokes cannot push a real collision out
 * of what {@code /status} shows (the first ones are kept, every one is counted). From the hostile review of issue 14.
 */
class CollisionEvidenceTest {
    private static final byte[] KEY = "a secret key shared by every replica".getBytes();
    private final FakeTicker ticker = new FakeTicker();
    private final SyntheticAddressPool pool = new SyntheticAddressPool(Cidr.parse("100.80.0.0/20"), Optional.empty(),
            4000, Duration.ofMinutes(10), ticker, KEY);

    /** An attacker finds this by probing (the oracle below); the test takes the shortcut. */
    private DnsName collidingWith(DnsName target, int skip) {
        int found = 0;
        for (int i = 0; ; i++) {
            DnsName n = DnsName.of("p" + i + ".apps.example.com");
            if (!n.equals(target) && pool.addressOf(n).equals(pool.addressOf(target)) && found++ == skip) {
                return n;
            }
        }
    }

    @Test
    void aCollisionRefusalGivesTheNameBackToTheClientsQuota() throws Exception {
        DnsName holder = DnsName.of("git.apps.example.com");
        pool.mapIpv4(holder, List.of());
        Allowance quota = new Allowance() { // one name
            long used;
            @Override public boolean tryAcquire(long amount) { if (used + amount > 1) { return false; } used += amount; return true; }
            @Override public void release(long amount) { used -= amount; }
            @Override public long available() { return 1 - used; }
        };
        assertThatThrownBy(() -> pool.mapIpv4(collidingWith(holder, 0), List.of(), quota))
                .isInstanceOf(AddressHeldException.class);
        pool.mapIpv4(DnsName.of("free-name.apps.example.com"), List.of(), quota); // the refusal cost nothing
    }

    private static final Allowance EXHAUSTED = new Allowance() {
        @Override public boolean tryAcquire(long amount) { return false; }
        @Override public void release(long amount) { }
        @Override public long available() { return 0; }
    };

    @Test
    void aClientOverItsQuotaIsRefusedForTheQuotaWhetherOrNotTheNameCollides() throws Exception {
        DnsName victim = DnsName.of("git.apps.example.com");
        pool.mapIpv4(victim, List.of()); // another client uses it
        DnsName probe = collidingWith(victim, 0);
        // Over quota, a non-colliding name is refused for the quota; a colliding one is refused for the collision.
        assertThatThrownBy(() -> pool.mapIpv4(DnsName.of("unrelated-xyz.apps.example.com"), List.of(), EXHAUSTED))
                .isInstanceOf(NameQuotaExceededException.class);
        assertThatThrownBy(() -> pool.mapIpv4(probe, List.of(), EXHAUSTED))
                .isInstanceOf(NameQuotaExceededException.class);
    }

    @Test
    void provokedRefusalsNeitherFlushNorHideTheCollisionsAnOperatorLooksAt() throws Exception {
        DnsName victim = DnsName.of("git.apps.example.com");
        DnsName squatter = collidingWith(victim, 0);
        pool.mapIpv4(squatter, List.of());
        try {
            pool.mapIpv4(victim, List.of());
        } catch (AddressHeldException expected) {
            // the refusal the operator should see in /status
        }
        DnsName other = DnsName.of("wiki.apps.example.com");
        pool.mapIpv4(other, List.of());
        DnsName noise = collidingWith(other, 0);
        for (int i = 0; i < 20; i++) {
            try {
                pool.mapIpv4(noise, List.of()); // under its quota: each refusal is a real collision, counted
            } catch (AddressHeldException expected) {
                // the prober's own refusal
            }
            assertThatThrownBy(() -> pool.mapIpv4(noise, List.of(), EXHAUSTED))
                    .isInstanceOf(NameQuotaExceededException.class); // over quota: not even counted
        }
        assertThat(pool.firstCollisions()).extracting(NameCollision::refused).contains(victim);
        assertThat(pool.firstCollisions()).hasSize(SyntheticAddressPool.KEPT_COLLISIONS);
        assertThat(pool.collisions()).isEqualTo(21);
    }
}
