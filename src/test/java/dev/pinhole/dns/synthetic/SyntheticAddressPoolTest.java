package dev.pinhole.dns.synthetic;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.dns.message.DnsName;
import dev.pinhole.time.FakeTicker;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticAddressPoolTest {
    private static final Duration IDLE = Duration.ofMinutes(10);
    private final FakeTicker ticker = new FakeTicker();
    private final SyntheticAddressPool pool = new SyntheticAddressPool(Cidr.parse("100.80.0.0/12"),
            Optional.of(Cidr.parse("fd00:80::/64")), 1000, IDLE, ticker);

    /** A /24: colliding names are found in a few hundred tries. */
    private final SyntheticAddressPool narrow = new SyntheticAddressPool(Cidr.parse("100.80.0.0/24"), Optional.empty(),
            100, IDLE, ticker);

    private static Inet4Address v4(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }

    private static DnsName name(String s) {
        return DnsName.of(s);
    }

    @Test
    void sameNameGetsSameAddressWhileMapped() throws Exception {
        SyntheticMapping first = pool.mapIpv4(name("api.github.com"), List.of(v4("140.82.112.5")));
        ticker.advance(Duration.ofMinutes(5));
        SyntheticMapping second = pool.mapIpv4(name("API.GitHub.com."), List.of(v4("140.82.112.6")));

        assertThat(second.ipv4()).isEqualTo(first.ipv4());
        assertThat(pool.ipv4Range().contains(IpAddress.of(first.ipv4()))).isTrue();
    }

    @Test
    void reResolutionReplacesTheRealAddresses() throws Exception {
        SyntheticMapping m = pool.mapIpv4(name("api.github.com"), List.of(v4("140.82.112.5")));
        pool.mapIpv4(name("api.github.com"), List.of(v4("140.82.112.6"), v4("140.82.112.7")));

        assertThat(pool.lookup(m.ipv4()).orElseThrow().realAddresses())
                .containsExactly(v4("140.82.112.6"), v4("140.82.112.7"));
    }

    @Test
    void reverseLookupGivesNameAndRealAddresses() throws Exception {
        SyntheticMapping m = pool.mapIpv4(name("github.com"), List.of(v4("140.82.121.4")));

        SyntheticMapping back = pool.lookup(m.ipv4()).orElseThrow();

        assertThat(back.name()).isEqualTo(name("github.com"));
        assertThat(back.realIpv4()).containsExactly(v4("140.82.121.4"));
        assertThat(pool.lookup(v4("100.80.0.1"))).isEmpty();
    }

    @Test
    void differentNamesNeverShareAnAddressTheLaterOneIsRefused() throws Exception {
        Set<InetAddress> seen = new HashSet<>();
        int refused = 0;
        for (int i = 0; i < 1000; i++) {
            try {
                assertThat(seen.add(pool.mapIpv4(name("host" + i + ".example.com"), List.of()).ipv4())).isTrue();
            } catch (AddressHeldException e) {
                refused++;
            }
        }
        assertThat(seen).hasSize(1000 - refused);
        assertThat(pool.collisions()).isEqualTo(refused);
    }

    @Test
    void aNameWhoseAddressIsHeldIsRefusedNotMovedElsewhere() throws Exception {
        DnsName x = name("x.example.com");
        DnsName y = collidingWith(narrow, x);
        SyntheticMapping mx = narrow.mapIpv4(x, List.of(v4("203.0.113.1")));

        assertThatThrownBy(() -> narrow.mapIpv4(y, List.of(v4("203.0.113.2"))))
                .isInstanceOf(AddressHeldException.class)
                .hasMessageContaining(y.toString()).hasMessageContaining(x.toString());
        assertThat(narrow.lookup(y)).isEmpty();
        assertThat(narrow.lookup(mx.ipv4()).orElseThrow().name()).isEqualTo(x);
        assertThat(narrow.collisions()).isEqualTo(1);
        assertThat(narrow.firstCollisions()).containsExactly(new NameCollision(y, x, mx.ipv4()));
    }

    @Test
    void aNameGetsItsOwnAddressWhateverCameBefore() throws Exception {
        DnsName x = name("x.example.com");
        DnsName y = collidingWith(narrow, x);
        narrow.mapIpv4(y, List.of());
        ticker.advance(IDLE);
        narrow.expireIdle(); // y's mapping recycled: x's address is free again

        assertThat(narrow.mapIpv4(x, List.of()).ipv4()).isEqualTo(narrow.addressOf(x));
    }

    @Test
    void theKeyDecidesWhereNamesGo() throws Exception {
        SyntheticAddressPool other = new SyntheticAddressPool(Cidr.parse("100.80.0.0/12"), Optional.empty(), 1000,
                IDLE, ticker, "another replica set's secret".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        int same = 0;
        for (int i = 0; i < 1000; i++) {
            if (pool.addressOf(name("n" + i + ".example.com")).equals(other.addressOf(name("n" + i + ".example.com")))) {
                same++;
            }
        }
        assertThat(same).isLessThan(5); // 1,000 names over 1,040,384 addresses: about 0.001 by chance
    }

    @Test
    void hashesSpreadOverEveryUsableAddressAndNoOther() throws Exception {
        SyntheticAddressPool tiny = new SyntheticAddressPool(Cidr.parse("100.80.0.0/23"), Optional.empty(), 508,
                IDLE, ticker);
        Set<InetAddress> hit = new HashSet<>();
        for (int i = 0; i < 20_000; i++) {
            hit.add(tiny.addressOf(name("n" + i + ".example.com")));
        }
        assertThat(hit).hasSize(508); // 512 addresses less .0 and .255 of both /24s
        assertThat(hit).allSatisfy(a -> assertThat(a.getAddress()[3] & 0xff).isNotIn(0, 255));
    }

    @Test
    void smallRangeSkipsNetworkAndBroadcast() throws Exception {
        SyntheticAddressPool p = new SyntheticAddressPool(Cidr.parse("100.80.0.4/30"), Optional.empty(), 2,
                IDLE, ticker);
        Set<InetAddress> hit = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            hit.add(p.addressOf(name("n" + i + ".example")));
        }
        assertThat(hit).containsExactlyInAnyOrder(v4("100.80.0.5"), v4("100.80.0.6"));
    }

    @Test
    void ipv6AddressesCarryTheHashSoTenThousandNamesNeverCollide() throws Exception {
        SyntheticAddressPool wide = new SyntheticAddressPool(Cidr.parse("100.80.0.0/12"),
                Optional.of(Cidr.parse("fd00:80::/64")), 65_536, IDLE, ticker);
        Set<InetAddress> seen = new HashSet<>();
        int ipv4Refused = 0;
        for (int i = 0; i < 10_000; i++) {
            try {
                SyntheticMapping m = wide.mapIpv6(name("n" + i + ".example.com"), List.of());
                assertThat(seen.add(m.ipv6().orElseThrow())).isTrue();
                assertThat(wide.ipv6Range().orElseThrow().contains(IpAddress.of(m.ipv6().orElseThrow()))).isTrue();
            } catch (AddressHeldException e) {
                // the name's IPv4 address is held: an entry has both (see docs/dns.md); never its IPv6 one
                assertThat(e.collision().address()).isInstanceOf(Inet4Address.class);
                ipv4Refused++;
            }
        }
        assertThat(seen).hasSize(10_000 - ipv4Refused);
    }

    static List<DnsName> names(String prefix, int count) {
        List<DnsName> out = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(name(prefix + i + ".example.com"));
        }
        return out;
    }

    @Test
    void exactNamesNeverShareAnAddressEvenWhereTheirHashesCollide() throws Exception {
        List<DnsName> exact = names("exact", 200); // 200 names in 254 addresses: dozens of hash collisions
        ReservedAddresses r = narrow.reservationsFor(exact);

        Set<InetAddress> addresses = new HashSet<>();
        for (DnsName n : exact) {
            addresses.add(r.of(n).orElseThrow());
        }
        assertThat(addresses).hasSize(200);
    }

    @Test
    void reservationsDependOnTheSetOfNamesNotTheirOrder() throws Exception {
        List<DnsName> exact = names("exact", 200);
        List<DnsName> shuffled = new java.util.ArrayList<>(exact);
        java.util.Collections.shuffle(shuffled, new java.util.Random(7));
        SyntheticAddressPool otherReplica = new SyntheticAddressPool(Cidr.parse("100.80.0.0/24"), Optional.empty(),
                100, IDLE, new FakeTicker());
        ReservedAddresses mine = narrow.reservationsFor(exact);
        ReservedAddresses theirs = otherReplica.reservationsFor(shuffled);

        for (DnsName n : exact) {
            assertThat(theirs.of(n)).as(n.toString()).isEqualTo(mine.of(n));
        }
    }

    @Test
    void otherNamesNeverGetAReservedAddress() throws Exception {
        ReservedAddresses r = narrow.reservationsFor(names("exact", 200));
        narrow.reserve(r);

        for (DnsName n : names("other", 2_000)) {
            assertThat(r.taken(narrow.addressOf(n))).as(n.toString()).isFalse();
        }
    }

    @Test
    void aReservedNameMapsAtItsReservedAddressWhateverCameFirst() throws Exception {
        DnsName exact = name("exact.example.com");
        DnsName squatter = collidingWith(narrow, exact);
        SyntheticMapping before = narrow.mapIpv4(squatter, List.of());
        ReservedAddresses r = narrow.reservationsFor(List.of(exact));

        List<SyntheticMapping> moved = narrow.reserve(r);

        assertThat(moved).extracting(SyntheticMapping::name).containsExactly(squatter);
        assertThat(narrow.mapIpv4(exact, List.of()).ipv4()).isEqualTo(before.ipv4());
        assertThat(narrow.mapIpv4(squatter, List.of()).ipv4()).isNotEqualTo(before.ipv4());
    }

    /** A name whose synthetic address in {@code pool} is {@code name}'s (found by trying names in order). */
    static DnsName collidingWith(SyntheticAddressPool pool, DnsName name) {
        InetAddress target = pool.addressOf(name);
        for (int i = 0;; i++) {
            DnsName candidate = DnsName.of("c" + i + ".example.com");
            if (pool.addressOf(candidate).equals(target) && !candidate.equals(name)) {
                return candidate;
            }
        }
    }

    @Test
    void idleMappingIsRecycledAfterTheIdleTimeout() throws Exception {
        SyntheticMapping m = pool.mapIpv4(name("github.com"), List.of(v4("140.82.121.4")));

        ticker.advance(IDLE.minusSeconds(1));
        assertThat(pool.expireIdle()).isZero();
        ticker.advance(Duration.ofSeconds(1));
        assertThat(pool.expireIdle()).isEqualTo(1);

        assertThat(pool.lookup(m.ipv4())).isEmpty();
        assertThat(pool.size()).isZero();
    }

    @Test
    void touchKeepsAMappingAlive() throws Exception {
        SyntheticMapping used = pool.mapIpv4(name("github.com"), List.of());
        SyntheticMapping unused = pool.mapIpv4(name("gitlab.com"), List.of());

        ticker.advance(Duration.ofMinutes(9));
        assertThat(pool.touch(used.ipv4())).isTrue();
        ticker.advance(Duration.ofMinutes(2));
        pool.expireIdle();

        assertThat(pool.lookup(used.ipv4())).isPresent();
        assertThat(pool.lookup(unused.ipv4())).isEmpty();
        assertThat(pool.touch(unused.ipv4())).isFalse();
    }

    @Test
    void lookupDoesNotCountAsUse() throws Exception {
        SyntheticMapping m = pool.mapIpv4(name("github.com"), List.of());
        ticker.advance(Duration.ofMinutes(9));
        pool.lookup(m.ipv4());
        pool.lookup(name("github.com"));
        ticker.advance(Duration.ofMinutes(1));

        assertThat(pool.expireIdle()).isEqualTo(1);
    }

    @Test
    void recycledNameGetsItsAddressBackWhenFree() throws Exception {
        InetAddress before = pool.mapIpv4(name("github.com"), List.of()).ipv4();
        ticker.advance(IDLE);
        pool.expireIdle();

        assertThat(pool.mapIpv4(name("github.com"), List.of()).ipv4()).isEqualTo(before);
    }

    @Test
    void fullPoolRefusesNewNamesWithAClearError() throws Exception {
        SyntheticAddressPool small = new SyntheticAddressPool(Cidr.parse("100.80.0.0/12"), Optional.empty(), 2,
                IDLE, ticker);
        small.mapIpv4(name("a.example"), List.of());
        small.mapIpv4(name("b.example"), List.of());

        assertThatThrownBy(() -> small.mapIpv4(name("c.example"), List.of()))
                .isInstanceOf(PoolExhaustedException.class)
                .hasMessageContaining("100.80.0.0/12").hasMessageContaining("c.example");
        assertThat(small.mapIpv4(name("a.example"), List.of())).isNotNull(); // existing names still resolve
    }

    @Test
    void fullPoolRecyclesIdleMappingsToMakeRoom() throws Exception {
        SyntheticAddressPool small = new SyntheticAddressPool(Cidr.parse("100.80.0.0/24"), Optional.empty(), 1,
                IDLE, ticker);
        small.mapIpv4(name("a.example"), List.of());
        ticker.advance(IDLE);

        assertThat(small.mapIpv4(name("b.example"), List.of()).name()).isEqualTo(name("b.example"));
        assertThat(small.lookup(name("a.example"))).isEmpty();
    }

    @Test
    void ipv6AddressIsAllocatedOnDemandAndMapsToTheSameEntry() throws Exception {
        SyntheticMapping a = pool.mapIpv4(name("github.com"), List.of(v4("140.82.121.4")));
        Inet6Address real6 = (Inet6Address) InetAddress.getByName("2001:db8::4");
        SyntheticMapping aaaa = pool.mapIpv6(name("github.com"), List.of(real6));

        assertThat(aaaa.ipv4()).isEqualTo(a.ipv4());
        assertThat(pool.ipv6Range().orElseThrow().contains(IpAddress.of(aaaa.ipv6().orElseThrow()))).isTrue();
        assertThat(pool.lookup(aaaa.ipv6().orElseThrow()).orElseThrow().realAddresses())
                .containsExactly(v4("140.82.121.4"), real6);
    }

    @Test
    void concurrentMappingFromManyThreadsNeverSharesAnAddress() throws Exception {
        int threads = 4;
        int perThread = 200;
        java.util.concurrent.ConcurrentHashMap<String, InetAddress> seen = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<Thread> workers = new java.util.ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        String n = "n" + i + ".example.com"; // every thread maps the same names
                        InetAddress got = pool.mapIpv4(name(n), List.of()).ipv4();
                        InetAddress first = seen.putIfAbsent(n, got);
                        if (first != null && !first.equals(got)) {
                            failures.add(new AssertionError(n + " got " + got + " and " + first));
                        }
                        pool.touch(got);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            workers.add(w);
            w.start();
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }

        assertThat(failures).isEmpty();
        assertThat(pool.size()).isEqualTo(perThread);
        assertThat(new HashSet<>(seen.values())).hasSize(perThread);
    }

    @Test
    void mappingsOfRemovedDomainsCanBeDropped() throws Exception {
        SyntheticMapping gone = pool.mapIpv4(name("api.gitlab.com"), List.of());
        SyntheticMapping kept = pool.mapIpv4(name("api.github.com"), List.of());

        List<SyntheticMapping> removed = pool.removeIf(n -> n.key().endsWith("gitlab.com"));

        assertThat(removed).extracting(SyntheticMapping::name).containsExactly(name("api.gitlab.com"));
        assertThat(pool.lookup(gone.ipv4())).isEmpty();
        assertThat(pool.lookup(kept.ipv4())).isPresent();
    }

    @Test
    void invalidConfigurationIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> new SyntheticAddressPool(Cidr.parse("100.80.0.0/31"), Optional.empty(), 1,
                IDLE, ticker)).hasMessageContaining("100.80.0.0/31");
        assertThatThrownBy(() -> new SyntheticAddressPool(Cidr.parse("100.80.0.0/24"), Optional.empty(), 255,
                IDLE, ticker)).hasMessageContaining("maxMappings 255");
        assertThatThrownBy(() -> Cidr.parse("100.80.0.1/12")).hasMessageContaining("did you mean 100.80.0.0/12");
        assertThatThrownBy(() -> Cidr.parse("example.com/12")).hasMessageContaining("\"example.com/12\"");
    }
}
