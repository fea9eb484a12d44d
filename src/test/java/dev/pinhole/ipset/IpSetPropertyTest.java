package dev.pinhole.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Differential tests against a brute-force oracle: random entries confined to 198.51.100.0/24 and
 * 2001:db8::/120 are mirrored into a 512-bit BitSet (bit i is 198.51.100.i, bit 256 + i is 2001:db8::i), and
 * every operation is checked address by address.
 */
class IpSetPropertyTest {
    private static final long SEED = 0x5EED_1905L;
    private static final int ITERATIONS = 2_000;
    private static final int V4_BASE = 0xC6336400; // 198.51.100.0
    private static final long V6_HI = 0x20010db800000000L; // 2001:db8::/120 has lo in 0..255
    private static final int UNIVERSE = 256;

    /** Random entries plus the oracle bits they denote. */
    private record Sample(List<String> entries, BitSet bits) {}

    private static Sample randomSample(Random random) {
        List<String> entries = new ArrayList<>();
        BitSet bits = new BitSet(2 * UNIVERSE);
        int n = random.nextInt(7);
        for (int k = 0; k < n; k++) {
            boolean v6 = random.nextInt(3) == 0;
            int base = v6 ? UNIVERSE : 0;
            switch (random.nextInt(3)) {
                case 0 -> {
                    int a = random.nextInt(UNIVERSE);
                    entries.add(text(v6, a));
                    bits.set(base + a);
                }
                case 1 -> {
                    int hostBits = random.nextInt(9);
                    int size = 1 << hostBits;
                    int start = random.nextInt(UNIVERSE / size) * size;
                    entries.add(text(v6, start) + "/" + ((v6 ? 128 : 32) - hostBits));
                    bits.set(base + start, base + start + size);
                }
                default -> {
                    int a = random.nextInt(UNIVERSE);
                    int b = a + random.nextInt(UNIVERSE - a);
                    entries.add(text(v6, a) + "-" + text(v6, b));
                    bits.set(base + a, base + b + 1);
                }
            }
        }
        return new Sample(entries, bits);
    }

    private static String text(boolean v6, int offset) {
        return v6 ? IpAddress.ofIpv6(V6_HI, offset).toString() : IpAddress.ofIpv4(V4_BASE + offset).toString();
    }

    private static IpAddress universeAddress(int index) {
        return index < UNIVERSE ? IpAddress.ofIpv4(V4_BASE + index) : IpAddress.ofIpv6(V6_HI, index - UNIVERSE);
    }

    /** Addresses just outside the universe, never in any sample. */
    private static final List<IpAddress> OUTSIDE = List.of(
            IpAddress.ofIpv4(V4_BASE - 1), IpAddress.ofIpv4(V4_BASE + UNIVERSE), IpAddress.ofIpv4(0),
            IpAddress.ofIpv4(-1), IpAddress.ofIpv6(V6_HI, UNIVERSE), IpAddress.ofIpv6(V6_HI - 1, -1L),
            IpAddress.ofIpv6(0, V4_BASE & 0xFFFFFFFFL), IpAddress.max(IpFamily.IPV6));

    private static void assertMatchesOracle(IpSet set, BitSet expected) {
        ByteBuffer buffer = ByteBuffer.allocate(20);
        for (int i = 0; i < 2 * UNIVERSE; i++) {
            IpAddress address = universeAddress(i);
            boolean want = expected.get(i);
            assertThat(set.contains(address)).as("contains %s", address).isEqualTo(want);
            if (i < UNIVERSE) {
                assertThat(set.contains4(V4_BASE + i)).as("contains4 %s", address).isEqualTo(want);
                buffer.putInt(16, V4_BASE + i);
                assertThat(set.containsIpv4At(buffer, 16)).as("containsIpv4At %s", address).isEqualTo(want);
            } else {
                assertThat(set.contains6(V6_HI, i - UNIVERSE)).as("contains6 %s", address).isEqualTo(want);
                buffer.putLong(4, V6_HI).putLong(12, i - UNIVERSE);
                assertThat(set.containsIpv6At(buffer, 4)).as("containsIpv6At %s", address).isEqualTo(want);
            }
        }
        for (IpAddress outside : OUTSIDE) {
            assertThat(set.contains(outside)).as("contains %s", outside).isFalse();
        }
        assertThat(set.size()).isEqualTo(BigInteger.valueOf(expected.cardinality()));
        assertThat(set.isEmpty()).isEqualTo(expected.isEmpty());
        assertThat(set.toCidrs()).isEqualTo(minimalCover(expected));
    }

    /** The maximal aligned blocks fully inside the set: the unique minimal CIDR cover, found by halving. */
    private static List<Cidr> minimalCover(BitSet bits) {
        List<Cidr> out = new ArrayList<>();
        coverBlock(bits, 0, UNIVERSE, 24, out);
        coverBlock(bits, UNIVERSE, UNIVERSE, 120, out);
        return out;
    }

    private static void coverBlock(BitSet bits, int from, int size, int prefix, List<Cidr> out) {
        int set = bits.get(from, from + size).cardinality();
        if (set == 0) {
            return;
        }
        if (set == size) {
            out.add(new Cidr(universeAddress(from), prefix));
            return;
        }
        coverBlock(bits, from, size / 2, prefix + 1, out);
        coverBlock(bits, from + size / 2, size / 2, prefix + 1, out);
    }

    @Test
    void builtSetMatchesOracle() {
        Random random = new Random(SEED);
        for (int n = 0; n < ITERATIONS; n++) {
            Sample a = randomSample(random);
            assertMatchesOracle(IpSet.parse(a.entries()), a.bits());
        }
    }

    @Test
    void unionMatchesOracle() {
        Random random = new Random(SEED + 1);
        for (int n = 0; n < ITERATIONS; n++) {
            Sample a = randomSample(random);
            Sample b = randomSample(random);
            BitSet expected = (BitSet) a.bits().clone();
            expected.or(b.bits());
            assertMatchesOracle(IpSet.parse(a.entries()).union(IpSet.parse(b.entries())), expected);
        }
    }

    @Test
    void excludeMatchesOracle() {
        Random random = new Random(SEED + 2);
        for (int n = 0; n < ITERATIONS; n++) {
            Sample a = randomSample(random);
            Sample b = randomSample(random);
            BitSet expected = (BitSet) a.bits().clone();
            expected.andNot(b.bits());
            assertMatchesOracle(IpSet.parse(a.entries()).exclude(IpSet.parse(b.entries())), expected);
        }
    }

    @Test
    void intersectionMatchesOracle() {
        Random random = new Random(SEED + 3);
        for (int n = 0; n < ITERATIONS; n++) {
            Sample a = randomSample(random);
            Sample b = randomSample(random);
            BitSet expected = (BitSet) a.bits().clone();
            expected.and(b.bits());
            assertMatchesOracle(IpSet.parse(a.entries()).intersection(IpSet.parse(b.entries())), expected);
        }
    }

    @Test
    void cidrCoverIsSortedAndNoTwoBlocksMerge() {
        Random random = new Random(SEED + 4);
        for (int n = 0; n < ITERATIONS; n++) {
            List<Cidr> cidrs = IpSet.parse(randomSample(random).entries()).toCidrs();
            for (int i = 1; i < cidrs.size(); i++) {
                Cidr previous = cidrs.get(i - 1);
                Cidr current = cidrs.get(i);
                assertThat(previous.last()).as("%s before %s", previous, current).isLessThan(current.first());
                boolean siblings = previous.prefixLength() == current.prefixLength() && previous.prefixLength() > 0
                        && Cidr.containing(previous.network(), previous.prefixLength() - 1)
                                .equals(Cidr.containing(current.network(), current.prefixLength() - 1));
                assertThat(siblings).as("%s and %s could merge", previous, current).isFalse();
            }
        }
    }

    @Test
    void cidrCoverRebuildsTheSameSet() {
        Random random = new Random(SEED + 5);
        for (int n = 0; n < ITERATIONS; n++) {
            IpSet set = IpSet.parse(randomSample(random).entries());
            assertThat(IpSet.parse(set.toCidrStrings())).isEqualTo(set);
        }
    }

    @Test
    void rangesAreDisjointAndNonAdjacent() {
        Random random = new Random(SEED + 6);
        for (int n = 0; n < ITERATIONS; n++) {
            IpSet set = IpSet.parse(randomSample(random).entries());
            for (IpFamily family : IpFamily.values()) {
                List<AddressRange> ranges = set.part(family).ranges();
                for (int i = 1; i < ranges.size(); i++) {
                    assertThat(ranges.get(i - 1).last().next()).isLessThan(ranges.get(i).first());
                }
            }
        }
    }
}
