package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The session-index format: a permutation, readable by every holder of the key, opaque and unforgeable to others. */
class RecoverableIndexTest {
    private static final Random SEEDED = new Random(42);

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
    void everyReplicaReadsBackTheTagOfAnIndexAnotherHandedOut() {
        RecoverableIndex replicaA = RecoverableIndex.fromPrivateKey(key(1));
        RecoverableIndex replicaB = RecoverableIndex.fromPrivateKey(key(1));
        for (int i = 0; i < 1000; i++) {
            PublicKey peer = anyPublicKey();
            int tag = replicaA.tagOf(peer);
            assertThat(replicaB.tagOf(peer)).isEqualTo(tag);
            int index = replicaA.encode(tag, SEEDED.nextInt());
            assertThat(replicaB.tagOfIndex(index)).isEqualTo(tag);
        }
    }

    @Test
    void anotherKeyReadsSomethingElse() {
        RecoverableIndex ours = RecoverableIndex.fromPrivateKey(key(1));
        RecoverableIndex theirs = RecoverableIndex.fromPrivateKey(key(2));
        int sameTag = 0;
        int sameRead = 0;
        for (int i = 0; i < 1000; i++) {
            PublicKey peer = anyPublicKey();
            int tag = ours.tagOf(peer);
            sameTag += theirs.tagOf(peer) == tag ? 1 : 0;
            sameRead += theirs.tagOfIndex(ours.encode(tag, i)) == tag ? 1 : 0;
        }
        assertThat(sameTag).isLessThanOrEqualTo(1);
        assertThat(sameRead).isLessThanOrEqualTo(1);
    }

    @Test
    void aRandomIndexRarelyNamesAConfiguredPeer() {
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(key(3));
        Set<Integer> configured = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            configured.add(format.tagOf(anyPublicKey()));
        }
        Random random = new Random(5);
        int named = 0;
        int probes = 1_000_000;
        for (int i = 0; i < probes; i++) {
            named += configured.contains(format.tagOfIndex(random.nextInt())) ? 1 : 0;
        }
        // Expected 100 / 2^20 of the probes: ~95.
        assertThat(named).isBetween(40, 190);
    }

    @Test
    void theIndicesOfOnePeerLookUnrelated() {
        // An observer must not see the tag in the bits: indices of one peer share no fixed bit positions.
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(key(4));
        int tag = format.tagOf(anyPublicKey());
        int and = -1;
        int or = 0;
        Set<Integer> distinct = new HashSet<>();
        for (int nonce = 0; nonce < 4096; nonce++) {
            int index = format.encode(tag, nonce);
            and &= index;
            or |= index;
            distinct.add(index);
        }
        assertThat(and).isZero();
        assertThat(or).isEqualTo(-1);
        assertThat(distinct).hasSize(4096);
    }

    @Test
    void indicesStayUniqueWhenAPeersRecoverableOnesRunOut() {
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(key(6));
        IndexTable table = new IndexTable(new Random(7), format);
        PublicKey key = PublicKey.of(dev.pinhole.wireguard.Keys.publicFromPrivate(key(8)));
        Peer peer = new Peer(key, key(9), TimerConfig.defaults(), table, format.tagOf(key));
        Set<Integer> handed = new HashSet<>();
        int recoverable = 0;
        for (int i = 0; i < 6000; i++) {
            int index = table.allocate(peer);
            assertThat(handed.add(index)).isTrue();
            recoverable += format.tagOfIndex(index) == peer.recoveryTag ? 1 : 0;
        }
        assertThat(table.size()).isEqualTo(6000);
        // All 4,096 of the tag's indices are eventually handed out; the rest fall back to random ones.
        assertThat(recoverable).isGreaterThan(3000).isLessThanOrEqualTo(4096);
    }
}
