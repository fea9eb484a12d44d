package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AllowedIpsTest {
    private final AllowedIps table = new AllowedIps();
    private final Peer a = peer();
    private final Peer b = peer();

    private static Peer peer() {
        return new Peer(PublicKey.of(Keys.publicFromPrivate(Keys.generatePrivate())), Keys.generatePrivate(),
                TimerConfig.defaults(), new IndexTable(new Random(2)));
    }

    private Peer lookup(String ip) {
        return table.lookup(IpAddress.parse(ip).toBytes());
    }

    @Test
    void longestPrefixWins() {
        table.set(a, List.of(Cidr.parse("10.0.0.0/8")));
        table.set(b, List.of(Cidr.parse("10.1.0.0/16")));
        assertThat(lookup("10.1.2.3")).isSameAs(b);
        assertThat(lookup("10.2.2.3")).isSameAs(a);
        assertThat(lookup("11.0.0.1")).isNull();
    }

    @Test
    void defaultRouteMatchesEverythingOfItsFamilyOnly() {
        table.set(a, List.of(Cidr.parse("0.0.0.0/0")));
        assertThat(lookup("203.0.113.9")).isSameAs(a);
        assertThat(lookup("2001:db8::1")).isNull();
    }

    @Test
    void ipv6PrefixesMatch() {
        table.set(a, List.of(Cidr.parse("2001:db8::/32")));
        table.set(b, List.of(Cidr.parse("2001:db8:1::/48")));
        assertThat(lookup("2001:db8:1::5")).isSameAs(b);
        assertThat(lookup("2001:db8:2::5")).isSameAs(a);
    }

    @Test
    void assigningAPrefixToAnotherPeerMovesIt() {
        table.set(a, List.of(Cidr.parse("192.0.2.0/24")));
        table.set(b, List.of(Cidr.parse("192.0.2.0/24")));
        assertThat(lookup("192.0.2.1")).isSameAs(b);
        assertThat(table.prefixesOf(a)).isEmpty();
    }

    @Test
    void removingAPeerRemovesItsRoutes() {
        table.set(a, List.of(Cidr.parse("192.0.2.0/24")));
        table.removePeer(a);
        assertThat(lookup("192.0.2.1")).isNull();
    }

    @Test
    void agreesWithANaiveOracle() {
        Random rnd = new Random(7);
        List<Peer> peers = List.of(a, b, peer(), peer());
        List<Cidr> prefixes = new ArrayList<>();
        List<Peer> owners = new ArrayList<>();
        java.util.Map<Peer, List<Cidr>> byPeer = new java.util.HashMap<>();
        for (int i = 0; i < 300; i++) {
            byte[] addr = new byte[4];
            rnd.nextBytes(addr);
            addr[0] = (byte) (10 + rnd.nextInt(2));
            Cidr p = Cidr.containing(IpAddress.ofBytes(addr), 4 + rnd.nextInt(29));
            if (prefixes.contains(p)) {
                continue;
            }
            Peer owner = peers.get(rnd.nextInt(peers.size()));
            prefixes.add(p);
            owners.add(owner);
            byPeer.computeIfAbsent(owner, k -> new ArrayList<>()).add(p);
        }
        byPeer.forEach(table::set);
        for (int i = 0; i < 5000; i++) {
            byte[] addr = new byte[4];
            rnd.nextBytes(addr);
            addr[0] = (byte) (10 + rnd.nextInt(2));
            Peer expected = null;
            int best = -1;
            for (int j = 0; j < prefixes.size(); j++) {
                Cidr p = prefixes.get(j);
                if (p.prefixLength() > best && p.contains(IpAddress.ofBytes(addr))) {
                    best = p.prefixLength();
                    expected = owners.get(j);
                }
            }
            assertThat(table.lookup(addr)).isSameAs(expected);
        }
    }

    @Test
    void aBatchOfThousandsOfPeersRebuildsTheTriesOnce() {
        java.util.Map<Peer, List<Cidr>> batch = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 2_000; i++) {
            int host = i + 2;
            batch.put(peer(), List.of(Cidr.parse("100.96." + (host >> 8) + "." + (host & 0xff) + "/32")));
        }
        int before = table.rebuilds();

        table.apply(batch, List.of());

        assertThat(table.rebuilds() - before).isEqualTo(1);
        batch.forEach((peer, prefixes) -> assertThat(table.lookup(prefixes.get(0).first().toBytes())).isSameAs(peer));
    }

    @Test
    void reapplyingTheSamePrefixesRebuildsNothing() {
        table.set(a, List.of(Cidr.parse("192.0.2.0/24")));
        int before = table.rebuilds();

        table.apply(java.util.Map.of(a, List.of(Cidr.parse("192.0.2.0/24"))), List.of());

        assertThat(table.rebuilds()).isEqualTo(before);
    }

    @Test
    void aPrefixMovedInABatchLeavesItsFormerOwner() {
        table.set(a, List.of(Cidr.parse("192.0.2.0/24"), Cidr.parse("198.51.100.0/24")));

        table.apply(java.util.Map.of(b, List.of(Cidr.parse("192.0.2.0/24"))), List.of());

        assertThat(lookup("192.0.2.1")).isSameAs(b);
        assertThat(table.prefixesOf(a)).containsExactly(Cidr.parse("198.51.100.0/24"));
        table.removePeer(a);
        assertThat(lookup("192.0.2.1")).isSameAs(b);
        assertThat(lookup("198.51.100.1")).isNull();
    }
}
