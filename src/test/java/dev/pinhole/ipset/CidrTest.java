package dev.pinhole.ipset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CidrTest {
    @Test
    void containsMatchesANaiveBitByBitOracle() {
        Random random = new Random(42);
        for (int i = 0; i < 5000; i++) {
            byte[] net = new byte[random.nextBoolean() ? 4 : 16];
            random.nextBytes(net);
            int len = random.nextInt(net.length * 8 + 1);
            for (int bit = len; bit < net.length * 8; bit++) {
                net[bit >>> 3] &= (byte) ~(0x80 >>> (bit & 7));
            }
            Cidr cidr = new Cidr(IpAddress.ofBytes(net), len);
            byte[] probe = net.clone();
            if (random.nextBoolean()) {
                random.nextBytes(probe);
            }
            boolean expected = true;
            for (int bit = 0; bit < len; bit++) {
                int mask = 0x80 >>> (bit & 7);
                expected &= (probe[bit >>> 3] & mask) == (net[bit >>> 3] & mask);
            }
            IpAddress address = IpAddress.ofBytes(probe);
            assertThat(cidr.contains(address)).as("%s contains %s", cidr, address).isEqualTo(expected);
        }
    }

    @Test
    void addressAtAndOffsetOfAreInverse() {
        Cidr cidr = Cidr.parse("100.80.0.0/12");
        IpAddress a = cidr.addressAt(70_000);

        assertThat(a).hasToString("100.81.17.112");
        assertThat(cidr.offsetOf(a)).isEqualTo(70_000);
    }

    @Test
    void addressAtReachesTheLastAddressOfAWideIpv6Block() {
        Cidr cidr = Cidr.parse("2001:db8::/64");

        assertThat(cidr.addressAt(Long.MAX_VALUE)).hasToString("2001:db8::7fff:ffff:ffff:ffff");
    }

    @Test
    void addressAtRefusesOffsetsOutsideTheBlock() {
        assertThatThrownBy(() -> Cidr.parse("192.0.2.0/30").addressAt(4))
                .hasMessage("offset 4 outside 192.0.2.0/30");
    }

    @Test
    void familiesNeverContainEachOther() throws Exception {
        assertThat(Cidr.parse("0.0.0.0/0").contains(IpAddress.of(InetAddress.getByName("2001:db8::1")))).isFalse();
        assertThat(Cidr.parse("::/0").contains(IpAddress.of(InetAddress.getByName("192.0.2.1")))).isFalse();
    }

    @Test
    void anIpv4MappedAddressStaysIpv6AsAJdkAddress() {
        InetAddress mapped = IpAddress.parse("::ffff:192.0.2.1").toInetAddress();

        assertThat(mapped).isInstanceOf(Inet6Address.class);
        assertThat(IpAddress.of(mapped)).isEqualTo(IpAddress.parse("::ffff:192.0.2.1"));
    }
}
