package dev.pinhole.dns.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.dns.message.DnsName;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.FakeTicker;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Two replicas with the same config (same key, same default /12 app range) resolve the same 10,000 random names
 * under a wildcard in opposite orders. What must hold: a name never gets two different addresses; an address is
 * never answered for two names on one replica; where the two replicas answered one address for two names, the
 * names' hashes collide and each replica refused one of them (IPv4 cannot carry the name: the per-client answer
 * check in the connector's policy is what keeps such an address from carrying one name's traffic to the other's
 * app, see {@code SyntheticAddressFailoverTest}).
 */
@Adversarial
class ReplicaNameAgreementTest {
    static final int NAMES = 10_000;
    static final Cidr APP_RANGE = Cidr.parse("100.80.0.0/12");
    static final byte[] KEY = "the key both replicas derive from their private key".getBytes(StandardCharsets.UTF_8);

    record Replica(SyntheticAddressPool pool, Map<DnsName, InetAddress> answered, Set<DnsName> refused) {
        static Replica of() {
            return new Replica(new SyntheticAddressPool(APP_RANGE, Optional.empty(),
                    SyntheticAddressPool.defaultMaxMappings(APP_RANGE), Duration.ofMinutes(10), new FakeTicker(), KEY),
                    new HashMap<>(), new HashSet<>());
        }

        void resolve(List<DnsName> names) throws Exception {
            for (DnsName n : names) {
                try {
                    answered.put(n, pool.mapIpv4(n, List.of()).ipv4());
                } catch (AddressHeldException e) {
                    refused.add(n);
                }
            }
        }
    }

    static List<DnsName> randomNames(long seed) {
        Random random = new Random(seed);
        Set<DnsName> names = new LinkedHashSet<>();
        while (names.size() < NAMES) {
            StringBuilder label = new StringBuilder();
            for (int i = 1 + random.nextInt(20); i > 0; i--) {
                label.append((char) ('a' + random.nextInt(26)));
            }
            names.add(DnsName.of(label + ".apps.example.com"));
        }
        return new ArrayList<>(names);
    }

    @Test
    void replicasResolvingTenThousandNamesInOppositeOrdersNeverDisagreeOnAName() throws Exception {
        List<DnsName> names = randomNames(14);
        Replica a = Replica.of();
        Replica b = Replica.of();
        a.resolve(names);
        List<DnsName> reversed = new ArrayList<>(names);
        Collections.reverse(reversed);
        b.resolve(reversed);

        // One name, one address: on both replicas, and the pure function of the name.
        for (DnsName n : names) {
            assertThat(a.pool.addressOf(n)).as(n.toString()).isEqualTo(b.pool.addressOf(n));
            if (a.answered.containsKey(n)) {
                assertThat(a.answered.get(n)).as(n.toString()).isEqualTo(a.pool.addressOf(n));
            }
            if (b.answered.containsKey(n)) {
                assertThat(b.answered.get(n)).as(n.toString()).isEqualTo(b.pool.addressOf(n));
            }
        }
        // One address, one name on each replica.
        assertThat(new HashSet<>(a.answered.values())).hasSize(a.answered.size());
        assertThat(new HashSet<>(b.answered.values())).hasSize(b.answered.size());
        // Across replicas an address answered for two names: only colliding names, one refused on each side.
        Map<InetAddress, DnsName> onB = new HashMap<>();
        b.answered.forEach((n, addr) -> onB.put(addr, n));
        int crossReplica = 0;
        for (var e : a.answered.entrySet()) {
            DnsName other = onB.get(e.getValue());
            if (other != null && !other.equals(e.getKey())) {
                crossReplica++;
                assertThat(a.refused).contains(other);
                assertThat(b.refused).contains(e.getKey());
            }
        }
        // Refusals: the names that share an address with an earlier one; the same count on both replicas.
        int distinct = new HashSet<>(names.stream().map(a.pool::addressOf).toList()).size();
        assertThat(a.refused).hasSize(NAMES - distinct);
        assertThat(b.refused).hasSize(NAMES - distinct);
        assertThat(a.pool.collisions()).isEqualTo(NAMES - distinct);
        // The birthday bound: n - m(1 - (1 - 1/m)^n) names expected to land on a taken address.
        double m = 1_040_384; // usable addresses of a /12 (254 of each /24)
        double expected = NAMES - m * (1 - Math.pow(1 - 1 / m, NAMES));
        System.out.printf("ReplicaNameAgreementTest: %d names, /12: %d refused on each replica (birthday bound "
                + "expects %.1f), %d addresses answered for different names across the replicas%n",
                NAMES, NAMES - distinct, expected, crossReplica);
        assertThat((double) (NAMES - distinct)).isBetween(expected / 3, expected * 3);
    }

    @Test
    void namesTheConfigListsExactlyAreNeverRefusedAndNeverShareAnAddressOnEitherReplica() throws Exception {
        List<DnsName> exact = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            exact.add(DnsName.of("app" + i + ".example.org"));
        }
        List<DnsName> all = new ArrayList<>(randomNames(15));
        all.addAll(exact);
        Collections.shuffle(all, new Random(16));
        Replica a = Replica.of();
        Replica b = Replica.of();
        List<DnsName> exactReversed = new ArrayList<>(exact);
        Collections.reverse(exactReversed);
        a.pool.reserve(a.pool.reservationsFor(exact));
        b.pool.reserve(b.pool.reservationsFor(exactReversed)); // the config's list, in another order
        a.resolve(all);
        List<DnsName> reversed = new ArrayList<>(all);
        Collections.reverse(reversed);
        b.resolve(reversed);

        for (DnsName n : exact) {
            assertThat(a.answered.get(n)).as(n.toString()).isNotNull().isEqualTo(b.answered.get(n));
        }
        Map<InetAddress, DnsName> onB = new HashMap<>();
        b.answered.forEach((n, addr) -> onB.put(addr, n));
        for (var e : a.answered.entrySet()) {
            DnsName other = onB.get(e.getValue());
            if (other != null && !other.equals(e.getKey())) {
                assertThat(exact).as("a cross-replica conflict never involves a listed name")
                        .doesNotContain(e.getKey(), other);
            }
        }
        assertThat(a.refused).doesNotContainAnyElementsOf(exact);
        assertThat(b.refused).doesNotContainAnyElementsOf(exact);
    }
}
