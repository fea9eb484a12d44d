package dev.pinhole.ipset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpSetTest {

    @Test
    void allocationExampleFromTheDesignGivesTheExactAllowlist() {
        IpSet addresses = IpSet.parse("203.0.113.10", "198.51.100.0/28", "192.0.2.10-192.0.2.20", "2001:db8::/64");
        IpSet allowlist = addresses.exclude(IpSet.parse("198.51.100.7"));
        assertThat(allowlist.toCidrStrings()).containsExactly(
                "192.0.2.10/31", "192.0.2.12/30", "192.0.2.16/30", "192.0.2.20/32",
                "198.51.100.0/30", "198.51.100.4/31", "198.51.100.6/32", "198.51.100.8/29",
                "203.0.113.10/32", "2001:db8::/64");
        assertThat(allowlist.ipv4().size()).isEqualTo(BigInteger.valueOf(11 + 15 + 1));
        assertThat(allowlist.ipv6().size()).isEqualTo(BigInteger.ONE.shiftLeft(64));
    }

    @Test
    void wholeIpv4SpaceIsOneCidr() {
        IpSet all = IpSet.parse("0.0.0.0/0");
        assertThat(all.toCidrStrings()).containsExactly("0.0.0.0/0");
        assertThat(all.size()).isEqualTo(BigInteger.ONE.shiftLeft(32));
        assertThat(all.contains4(0)).isTrue();
        assertThat(all.contains4(-1)).isTrue();
        assertThat(all.contains6(0, 0)).isFalse();
    }

    @Test
    void wholeIpv6SpaceIsOneCidr() {
        IpSet all = IpSet.parse("::/0");
        assertThat(all.toCidrStrings()).containsExactly("::/0");
        assertThat(all.size()).isEqualTo(BigInteger.ONE.shiftLeft(128));
        assertThat(all.contains6(-1L, -1L)).isTrue();
        assertThat(all.contains6(0, 0)).isTrue();
        assertThat(all.contains4(0)).isFalse();
    }

    @Test
    void rangesSpanningTheWholeSpaceAreOneCidr() {
        assertThat(IpSet.parse("0.0.0.0-255.255.255.255", "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
                .toCidrStrings()).containsExactly("0.0.0.0/0", "::/0");
        assertThat(everything()).isEqualTo(IpSet.parse("0.0.0.0/0", "::/0"));
    }

    private static IpSet everything() {
        return IpSet.of(IpRangeSet.all(IpFamily.IPV4), IpRangeSet.all(IpFamily.IPV6));
    }

    @Test
    void lastIpv4AddressIsItsOwnBlock() {
        IpSet top = IpSet.parse("255.255.255.255");
        assertThat(top.toCidrStrings()).containsExactly("255.255.255.255/32");
        assertThat(top.contains4(0xFFFFFFFF)).isTrue();
        assertThat(top.contains4(0xFFFFFFFE)).isFalse();
        assertThat(top.contains4(0)).isFalse();
    }

    @Test
    void rangesEndingAtTheTopMergeWithoutOverflow() {
        IpSet set = IpSet.parse("255.255.255.0-255.255.255.254", "255.255.255.255",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        assertThat(set.toCidrStrings()).containsExactly("255.255.255.0/24", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
        assertThat(set.exclude(IpSet.parse("255.255.255.255")).toCidrStrings()).containsExactly(
                "255.255.255.0/25", "255.255.255.128/26", "255.255.255.192/27", "255.255.255.224/28",
                "255.255.255.240/29", "255.255.255.248/30", "255.255.255.252/31", "255.255.255.254/32",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
    }

    @Test
    void excludingEverythingLeavesAnEmptySet() {
        IpSet set = IpSet.parse("192.0.2.0/24", "2001:db8::1-2001:db8::ff");
        IpSet none = set.exclude(IpSet.parse("0.0.0.0/0", "::/0"));
        assertThat(none.isEmpty()).isTrue();
        assertThat(none.toCidrs()).isEmpty();
        assertThat(none.size()).isEqualTo(BigInteger.ZERO);
        assertThat(none).isEqualTo(IpSet.empty());
    }

    @Test
    void excludingOneAddressFromEverythingLeavesThirtyTwoBlocks() {
        IpSet set = IpSet.parse("0.0.0.0/0").exclude(IpSet.parse("0.0.0.0"));
        assertThat(set.toCidrs()).hasSize(32);
        assertThat(set.toCidrStrings()).startsWith("0.0.0.1/32", "0.0.0.2/31").endsWith("128.0.0.0/1");
        assertThat(set.size()).isEqualTo(BigInteger.ONE.shiftLeft(32).subtract(BigInteger.ONE));
    }

    @Test
    void excludingTheMiddleIpv6AddressLeavesOneBlockPerPrefixLength() {
        IpSet set = IpSet.parse("::/0").exclude(IpSet.parse("8000::"));
        // The lower half stays ::/1; the upper half minus its first address needs one block per length 2..128.
        assertThat(set.toCidrs()).hasSize(128);
        assertThat(set.toCidrStrings()).startsWith("::/1", "8000::1/128", "8000::2/127").endsWith("c000::/2");
        assertThat(set.size()).isEqualTo(BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE));
    }

    @Test
    void adjacentHalvesMergeIntoTheirParent() {
        assertThat(IpSet.parse("192.0.2.128/25", "192.0.2.0/25").toCidrStrings()).containsExactly("192.0.2.0/24");
    }

    @Test
    void touchingRangesMergeIntoOne() {
        IpSet set = IpSet.parse("192.0.2.10-192.0.2.20", "192.0.2.21", "192.0.2.22-192.0.2.30");
        assertThat(set.ipv4().ranges()).containsExactly(AddressRange.parse("192.0.2.10-192.0.2.30"));
    }

    @Test
    void rangeCrossingA64BitBoundaryCarries() {
        IpSet set = IpSet.parse("2001:db8::ffff:ffff:ffff:ffff-2001:db8:0:1::");
        assertThat(set.toCidrStrings()).containsExactly("2001:db8::ffff:ffff:ffff:ffff/128", "2001:db8:0:1::/128");
        assertThat(set.size()).isEqualTo(BigInteger.TWO);
        IpSet hole = IpSet.parse("2001:db8::/63").exclude(set);
        assertThat(hole.size()).isEqualTo(BigInteger.ONE.shiftLeft(65).subtract(BigInteger.TWO));
        assertThat(hole.contains(IpAddress.parse("2001:db8::ffff:ffff:ffff:fffe"))).isTrue();
        assertThat(hole.contains(IpAddress.parse("2001:db8:0:1::1"))).isTrue();
        assertThat(hole.contains(IpAddress.parse("2001:db8:0:1::"))).isFalse();
    }

    @Test
    void familiesStaySeparateAndIpv4SortsFirst() {
        IpSet set = IpSet.parse("2001:db8::1", "::ffff:192.0.2.1", "192.0.2.1");
        assertThat(set.toCidrStrings()).containsExactly("192.0.2.1/32", "::ffff:c000:201/128", "2001:db8::1/128");
        assertThat(set.ipv4().rangeCount()).isEqualTo(1);
        assertThat(set.ipv6().rangeCount()).isEqualTo(2);
    }

    @Test
    void intersectionKeepsOnlyTheOverlap() {
        IpSet a = IpSet.parse("192.0.2.0/24", "2001:db8::/120");
        IpSet b = IpSet.parse("192.0.2.128-192.0.3.5", "2001:db8::80-2001:db8::1:0");
        assertThat(a.intersection(b).toCidrStrings()).containsExactly("192.0.2.128/25", "2001:db8::80/121");
    }

    @Test
    void membershipReadsNetworkOrderFromAnyBuffer() {
        IpSet set = IpSet.parse("198.51.100.0/24", "2001:db8::/32");
        ByteBuffer little = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        little.put(8, (byte) 198).put(9, (byte) 51).put(10, (byte) 100).put(11, (byte) 9);
        little.position(3);
        assertThat(set.containsIpv4At(little, 8)).isTrue();
        assertThat(set.containsIpv4At(little, 9)).isFalse();
        assertThat(little.position()).isEqualTo(3);

        ByteBuffer direct = ByteBuffer.allocateDirect(40).order(ByteOrder.LITTLE_ENDIAN);
        byte[] v6 = IpAddress.parse("2001:db8:ffff::1").toBytes();
        for (int i = 0; i < 16; i++) {
            direct.put(24 + i, v6[i]);
        }
        assertThat(set.containsIpv6At(direct, 24)).isTrue();
        assertThat(set.containsIpv6At(direct, 23)).isFalse();
    }

    @Test
    void membershipOutsideTheBufferLimitIsACallerBug() {
        IpSet set = IpSet.parse("0.0.0.0/0");
        ByteBuffer buffer = ByteBuffer.allocate(20).limit(10);
        assertThatThrownBy(() -> set.containsIpv4At(buffer, 7)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> set.containsIpv6At(buffer, -1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void builderAccumulatesEveryKindOfEntry() {
        IpSet set = IpSet.builder()
                .add("192.0.2.0/25")
                .add(Cidr.parse("192.0.2.128/25"))
                .add(IpAddress.parse("2001:db8::1"))
                .add(AddressRange.parse("2001:db8::2-2001:db8::3"))
                .addAll(List.of("203.0.113.7"))
                .addAll(IpSet.parse("203.0.113.6"))
                .build();
        assertThat(set.toCidrStrings()).containsExactly("192.0.2.0/24", "203.0.113.6/31", "2001:db8::1/128",
                "2001:db8::2/127");
    }

    @Test
    void builderStopsAtTheFirstMalformedEntry() {
        assertThatThrownBy(() -> IpSet.parse(List.of("192.0.2.1", "192.0.2.999", "nonsense")))
                .isInstanceOfSatisfying(IpEntryFormatException.class,
                        e -> assertThat(e.value()).isEqualTo("192.0.2.999"));
    }

    @Test
    void combiningFamiliesInOneRangeSetIsRefused() {
        assertThatThrownBy(() -> IpRangeSet.all(IpFamily.IPV4).union(IpRangeSet.all(IpFamily.IPV6)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void cidrRejectsHostBitsWhenBuiltDirectly() {
        assertThatThrownBy(() -> new Cidr(IpAddress.parse("192.0.2.1"), 24))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Cidr.containing(IpAddress.parse("192.0.2.1"), 24)).hasToString("192.0.2.0/24");
    }

    @Test
    void addressBytesRoundTrip() {
        for (String text : List.of("0.0.0.0", "192.0.2.1", "255.255.255.255", "::", "2001:db8::1",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) {
            IpAddress address = IpAddress.parse(text);
            assertThat(IpAddress.ofBytes(address.toBytes())).isEqualTo(address);
        }
    }

    @Test
    void nextAndPreviousStopAtTheEdgesOfTheFamily() {
        assertThatThrownBy(() -> IpAddress.max(IpFamily.IPV4).next()).isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> IpAddress.min(IpFamily.IPV6).previous()).isInstanceOf(ArithmeticException.class);
        assertThat(IpAddress.parse("2001:db8::ffff:ffff:ffff:ffff").next()).hasToString("2001:db8:0:1::");
        assertThat(IpAddress.parse("2001:db8:0:1::").previous()).hasToString("2001:db8::ffff:ffff:ffff:ffff");
    }
}
