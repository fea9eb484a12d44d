package dev.pinhole.dns.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IpPrefixTest {
    @Test
    void containsMatchesANaiveBitByBitOracle() throws Exception {
        Random random = new Random(42);
        for (int i = 0; i < 5000; i++) {
            byte[] net = new byte[random.nextBoolean() ? 4 : 16];
            random.nextBytes(net);
            int len = random.nextInt(net.length * 8 + 1);
            for (int bit = len; bit < net.length * 8; bit++) {
                net[bit >>> 3] &= (byte) ~(0x80 >>> (bit & 7));
            }
            IpPrefix p = IpPrefix.parse(IpPrefix.toAddress(net).getHostAddress() + "/" + len);
            byte[] probe = net.clone();
            if (random.nextBoolean()) {
                random.nextBytes(probe);
            }
            boolean expected = true;
            for (int bit = 0; bit < len; bit++) {
                int mask = 0x80 >>> (bit & 7);
                expected &= (probe[bit >>> 3] & mask) == (net[bit >>> 3] & mask);
            }
            assertThat(p.contains(probe)).as("%s contains %s", p, IpPrefix.toAddress(probe)).isEqualTo(expected);
        }
    }

    @Test
    void addressAtAndOffsetOfAreInverse() throws Exception {
        IpPrefix p = IpPrefix.parse("100.80.0.0/12");
        InetAddress a = p.addressAt(70_000);

        assertThat(a.getHostAddress()).isEqualTo("100.81.17.112");
        assertThat(p.offsetOf(a)).isEqualTo(70_000);
    }

    @Test
    void familiesNeverContainEachOther() throws Exception {
        assertThat(IpPrefix.parse("0.0.0.0/0").contains(InetAddress.getByName("2001:db8::1"))).isFalse();
        assertThat(IpPrefix.parse("::/0").contains(InetAddress.getByName("192.0.2.1"))).isFalse();
    }
}
