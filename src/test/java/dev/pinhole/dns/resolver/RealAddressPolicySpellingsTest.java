package dev.pinhole.dns.resolver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.Ipv4Spellings;
import dev.pinhole.testing.Adversarial;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DNS rebinding through another family: an AAAA answer that spells a forbidden IPv4 address in IPv6 is refused as
 * that IPv4 address would be, even when a wide IPv6 route covers it.
 */
@Adversarial
class RealAddressPolicySpellingsTest {
    static final Map<String, RefusalReason> FORBIDDEN_IPV4 = Map.of(
            "127.0.0.1", RefusalReason.LOOPBACK,
            "169.254.169.254", RefusalReason.CLOUD_METADATA,
            "169.254.1.1", RefusalReason.LINK_LOCAL,
            "100.100.100.200", RefusalReason.CLOUD_METADATA,
            "10.96.0.1", RefusalReason.CLUSTER_RANGE,
            "100.80.0.9", RefusalReason.APP_RANGE,
            "224.0.0.1", RefusalReason.MULTICAST,
            "240.0.0.1", RefusalReason.RESERVED);

    final RealAddressPolicy policy = new RealAddressPolicy(List.of(Cidr.parse("10.96.0.0/12")),
            List.of(Cidr.parse("100.80.0.0/12")), List.of(Cidr.parse("::/0"), Cidr.parse("2000::/3")));

    @Test
    void everyIpv6SpellingOfAForbiddenIpv4AnswerIsRefused() {
        FORBIDDEN_IPV4.forEach((v4, reason) -> Ipv4Spellings.of(v4).forEach((form, v6) -> {
            if (form.startsWith("NAT64 local-use")) {
                assertThat(policy.check(Ipv4Spellings.inet6(v6))).as(v4 + " as " + form + " " + v6).isPresent();
            } else {
                assertThat(policy.check(Ipv4Spellings.inet6(v6))).as(v4 + " as " + form + " " + v6).contains(reason);
            }
        }));
    }

    @Test
    void aPublicIpv4InAnIpv6SpellingMayBeMapped() {
        assertThat(policy.check(Ipv4Spellings.inet6(IpAddress.parse("::ffff:203.0.113.10")))).isEmpty();
        assertThat(policy.check(Ipv4Spellings.inet6(IpAddress.parse("2002:cb00:710a::1")))).isEmpty();
    }
}
