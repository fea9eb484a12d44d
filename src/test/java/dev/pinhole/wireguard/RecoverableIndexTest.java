package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The session-index format: a permutation, readable by every holder of the key, opaque and unforgeable to others. */
class RecoverableIndexTest {
    private static final Random SEEDED = new Random(42);
    private static final InetSocketAddress CLIENT = new InetSocketAddress("198.51.100.7", 40_000);

    private static byte[] key(int seed) {
        byte[] k = new byte[32];
        new Random(seed).nextBytes(k);
        return k;
    }

    private static PublicKey anyPublicKey() {
        byte[] raw = new byte[32];
        SEEDED.nextBytes(raw);
        return PublicKey.of(raw);
    }

    @Test
    void theCipherIsAPermutation() {
        IndexCipher cipher = new IndexCipher(new byte[16]);
        Random random = new Random(1);
        Set<Integer> images = new HashSet<>();
        // A contiguous block of 2^16 inputs has 2^16 distinct images, and each decrypts back.
        for (int x = 0x12340000; x < 0x12350000; x++) {
            int y = cipher.encrypt(x);
            assertThat(images.add(y)).isTrue();
            assertThat(cipher.decrypt(y)).isEqualTo(x);
        }
        for (int i = 0; i < 100_000; i++) {
            int y = random.nextInt();
            assertThat(cipher.encrypt(cipher.decrypt(y))).isEqualTo(y);
        }
    }

    @Test
    void everyReplicaReadsBackTheTagAndCheckOfAnIndexAnotherHandedOut() {
        RecoverableIndex replicaA = RecoverableIndex.fromPrivateKey(key(1));
        RecoverableIndex replicaB = RecoverableIndex.fromPrivateKey(key(1));
        for (int i = 0; i < 1000; i++) {
            PublicKey peer = anyPublicKey();
            InetSocketAddress endpoint = new InetSocketAddress("198.51.100." + (i % 250 + 1), 1024 + i);
            int tag = replicaA.tagOf(peer);
            int check = replicaA.checkOf(peer, endpoint);
            assertThat(replicaB.tagOf(peer)).isEqualTo(tag);
            assertThat(replicaB.checkOf(peer, endpoint)).isEqualTo(check);
            int opened = replicaB.open(replicaA.encode(tag, check, SEEDED.nextInt()));
            assertThat(RecoverableIndex.tagOfOpened(opened)).isEqualTo(tag);
            assertThat(RecoverableIndex.checkOfOpened(opened)).isEqualTo(check);
        }
    }

    @Test
    void anotherKeyReadsSomethingElse() {
        RecoverableIndex ours = RecoverableIndex.fromPrivateKey(key(1));
        RecoverableIndex theirs = RecoverableIndex.fromPrivateKey(key(2));
        int sameTag = 0;
        int sameRead = 0;
        int sameCheck = 0;
        for (int i = 0; i < 1000; i++) {
            PublicKey peer = anyPublicKey();
            int tag = ours.tagOf(peer);
            int check = ours.checkOf(peer, CLIENT);
            sameTag += theirs.tagOf(peer) == tag ? 1 : 0;
            sameCheck += theirs.checkOf(peer, CLIENT) == check ? 1 : 0;
            int opened = theirs.open(ours.encode(tag, check, i));
            sameRead += RecoverableIndex.tagOfOpened(opened) == tag
                    && RecoverableIndex.checkOfOpened(opened) == check ? 1 : 0;
        }
        // 1,000 tries of 1 in 1,024 (tags) and 1 in 8,192 (checks).
        assertThat(sameTag).isLessThanOrEqualTo(5);
        assertThat(sameCheck).isLessThanOrEqualTo(2);
        assertThat(sameRead).isLessThanOrEqualTo(1);
    }

    @Test
    void theCheckBindsTheIndexToTheClientsAddressAndPort() {
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(key(3));
        PublicKey peer = anyPublicKey();
        int check = format.checkOf(peer, CLIENT);
        assertThat(format.checkOf(peer, new InetSocketAddress("198.51.100.7", 40_000))).isEqualTo(check);
        // An attacker trying its own addresses and ports: about 1 in 8,192 matches (here 20,000 tries: ~2.4).
        int matching = 0;
        for (int i = 0; i < 20_000; i++) {
            InetSocketAddress other = i % 2 == 0
                    ? new InetSocketAddress("198.51.100.7", 40_001 + i / 2)
                    : new InetSocketAddress("192.0.2." + (i % 250 + 1), 1024 + i);
            matching += format.checkOf(peer, other) == check ? 1 : 0;
        }
        assertThat(matching).isBetween(0, 10);
        // Another client at the same endpoint (a second laptop behind the same NAT port mapping is impossible, but
        // a tag shared by two clients is common): its check differs with the same odds.
        int otherPeers = 0;
        for (int i = 0; i < 20_000; i++) {
            otherPeers += format.checkOf(anyPublicKey(), CLIENT) == check ? 1 : 0;
        }
        assertThat(otherPeers).isBetween(0, 10);
        assertThat(format.checkOf(peer, InetSocketAddress.createUnresolved("example.test", 1))).isEqualTo(-1);
    }

    @Test
    void aRandomIndexFromAGivenSourceRarelyNamesAConfiguredPeer() {
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(key(3));
        java.util.Map<Integer, java.util.List<PublicKey>> byTag = new java.util.HashMap<>();
        for (int i = 0; i < 1000; i++) {
            PublicKey k = anyPublicKey();
            byTag.computeIfAbsent(format.tagOf(k), t -> new java.util.ArrayList<>()).add(k);
        }
        Random random = new Random(5);
        int tagged = 0;
        int named = 0;
        int probes = 1_000_000;
        for (int i = 0; i < probes; i++) {
            int opened = format.open(random.nextInt());
            java.util.List<PublicKey> holders = byTag.get(RecoverableIndex.tagOfOpened(opened));
            if (holders == null) {
                continue;
            }
            tagged++;
            for (PublicKey k : holders) {
                named += format.checkOf(k, CLIENT) == RecoverableIndex.checkOfOpened(opened) ? 1 : 0;
            }
        }
        // The tag alone is hit often (1,000 clients among 1,024 tags: ~62% of random values): the endpoint check
        // is what rejects, 1,000 / 2^23 of the probes: ~119.
        assertThat(tagged).isBetween(550_000, 700_000);
        assertThat(named).isBetween(60, 200);
    }

    @Test
    void theIndicesOfOnePeerAtOneEndpointLookUnrelated() {
        // An observer must not see the tag or the check in the bits: a peer's indices share no fixed bit positions.
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(key(4));
        PublicKey peer = anyPublicKey();
        int tag = format.tagOf(peer);
        int check = format.checkOf(peer, CLIENT);
        int and = -1;
        int or = 0;
        Set<Integer> distinct = new HashSet<>();
        for (int nonce = 0; nonce < 1 << RecoverableIndex.NONCE_BITS; nonce++) {
            int index = format.encode(tag, check, nonce);
            and &= index;
            or |= index;
            distinct.add(index);
        }
        assertThat(and).isZero();
        assertThat(or).isEqualTo(-1);
        assertThat(distinct).hasSize(512);
    }

    @Test
    void indicesStayUniqueWhenAPeersRecoverableOnesRunOut() {
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(key(6));
        IndexTable table = new IndexTable(new Random(7), format);
        PublicKey key = PublicKey.of(dev.pinhole.wireguard.Keys.publicFromPrivate(key(8)));
        Peer peer = new Peer(key, key(9), TimerConfig.defaults(), table, format.tagOf(key));
        int check = format.checkOf(key, CLIENT);
        Set<Integer> handed = new HashSet<>();
        int recoverable = 0;
        for (int i = 0; i < 2000; i++) {
            int index = table.allocate(peer, CLIENT);
            assertThat(handed.add(index)).isTrue();
            int opened = format.open(index);
            recoverable += RecoverableIndex.tagOfOpened(opened) == peer.recoveryTag()
                    && RecoverableIndex.checkOfOpened(opened) == check ? 1 : 0;
        }
        assertThat(table.size()).isEqualTo(2000);
        // Most of the 512 indices of (tag, check) are handed out before draws run out; the rest are random ones.
        assertThat(recoverable).isGreaterThan(400).isLessThanOrEqualTo(512);
    }

    @Test
    void aPeerAtTheSameEndpointRarelyGetsAnIndexAnotherReplicaHolds() {
        // A load balancer flapping A -> B -> A: B's new index for the client must not be one A still holds for it
        // (the client would send B's session to A, which fails to decrypt it). A holds at most 4 for the client.
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(key(10));
        PublicKey key = PublicKey.of(dev.pinhole.wireguard.Keys.publicFromPrivate(key(11)));
        Random random = new Random(12);
        // allocate() reads only the peer's key and tag, so one Peer serves every table.
        Peer peer = new Peer(key, key(9), TimerConfig.defaults(), new IndexTable(random), format.tagOf(key));
        int collisions = 0;
        int trials = 20_000;
        for (int t = 0; t < trials; t++) {
            IndexTable a = new IndexTable(random, format);
            IndexTable b = new IndexTable(random, format);
            Peer onA = peer;
            Peer onB = peer;
            Set<Integer> heldByA = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                heldByA.add(a.allocate(onA, CLIENT));
            }
            collisions += heldByA.contains(b.allocate(onB, CLIENT)) ? 1 : 0;
        }
        // 4 / 512 = 0.78%: ~156 of 20,000.
        assertThat(collisions).isBetween(100, 220);
    }

    @Test
    void aRecoveryNeverHandsOutTheIndexItRecoversFrom() {
        byte[] ours = key(7);
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(ours);
        PublicKey client = anyPublicKey();
        int tag = format.tagOf(client);
        // Replica A drew nonce 5 for the client's session; replica B, recovering it, draws 5 first as well.
        int oldIndex = format.encode(tag, format.checkOf(client, CLIENT), 5);
        IndexTable replicaB = new IndexTable(nonces(5, 5, 9), format);
        Peer peer = new Peer(client, ours, TimerConfig.defaults(), replicaB, tag);

        int recovered = replicaB.allocate(peer, CLIENT, Integer.toUnsignedLong(oldIndex));

        assertThat(recovered).isNotEqualTo(oldIndex);
        assertThat(format.tagOfIndex(recovered)).as("still recoverable: the client's tag").isEqualTo(tag);
        assertThat(new IndexTable(nonces(5), format).allocate(peer, CLIENT))
                .as("without the index to avoid, the same draw repeats the old index").isEqualTo(oldIndex);
    }

    /** A source of nonces that returns {@code values} in order, then the last one forever. */
    private static Random nonces(int... values) {
        return new Random() {
            private int next;

            @Override
            public int nextInt() {
                return values[Math.min(next++, values.length - 1)];
            }
        };
    }
}
