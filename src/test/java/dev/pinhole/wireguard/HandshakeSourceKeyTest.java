package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** Which sources share a handshake bucket under load: an IPv4 address alone, an IPv6 /64 together. */
class HandshakeSourceKeyTest {
    private static Object key(String text) {
        try {
            return HandshakeAdmission.sourceKey(InetAddress.getByName(text).getAddress());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void sourcesInOneIpv6Slash64ShareAKey() {
        assertThat(key("2001:db8:1:2::1")).isEqualTo(key("2001:db8:1:2:ffff::9"));
        assertThat(key("2001:db8:1:3::1")).as("another /64").isNotEqualTo(key("2001:db8:1:2::1"));
    }

    @Test
    void ipv4AddressesHaveAKeyEach() {
        assertThat(key("198.51.100.1")).isNotEqualTo(key("198.51.100.2"));
    }

    @Adversarial
    @Test
    void anIpv4AddressNeverSharesAKeyWithAnIpv6Prefix() {
        // ::c633:6401 has 198.51.100.1's low bytes; 0:100:c633:6401::/64 was the very long the IPv4 key used to be
        // (the address with a family bit at 1 << 40): a spoofed IPv6 source could drain an IPv4 client's bucket.
        assertThat(key("198.51.100.1")).isNotEqualTo(key("::198.51.100.1"))
                .isNotEqualTo(key("0:0:c633:6401::")).isNotEqualTo(key("0:100:c633:6401::"));
    }
}
