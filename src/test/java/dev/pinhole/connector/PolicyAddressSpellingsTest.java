package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.dns.synthetic.ResolvedNames;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.Ipv4Spellings;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.FakeTicker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A forbidden IPv4 destination stays forbidden in every IPv6 spelling that reaches it: mapped (the JDK opens an
 * IPv4 socket), compatible, translated, NAT64, 6to4 and Teredo (a translator on the node's network does).
 */
@Adversarial
class PolicyAddressSpellingsTest {
    static final List<String> FORBIDDEN_IPV4 = List.of("127.0.0.1", "169.254.169.254", "10.0.0.1", "172.16.0.1",
            "192.168.1.1", "100.64.0.1", "100.100.100.200", "0.0.0.1", "224.0.0.1", "240.0.0.1");

    /** The synthetic answers of the client whose flows are decided. */
    final ResolvedNames answered = new ResolvedNames(1000);
    final SyntheticAddressPool pool = new SyntheticAddressPool(Cidr.parse("100.80.0.0/12"), Optional.empty(),
            1000, Duration.ofMinutes(10), new FakeTicker());

    Policy policy(String... routes) {
        return new Policy(Cidr.parse("100.80.0.0/12"), Policy.cidrs(routes), Policy.DEFAULT_CLUSTER_RANGES, pool);
    }

    @Test
    void wideRoutesReachNoForbiddenIpv4InAnyIpv6Spelling() {
        Policy p = policy("0.0.0.0/0", "::/0");
        for (String v4 : FORBIDDEN_IPV4) {
            Ipv4Spellings.of(v4).forEach((form, v6) -> assertThat(p.decide(v6, answered)).as(v4 + " as " + form + " " + v6)
                    .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION)));
        }
    }

    @Test
    void anIpv6RouteCannotNameAForbiddenIpv4Block() {
        Policy p = policy("127.0.0.1/32", "169.254.169.254/32", "::ffff:127.0.0.1/128",
                "::ffff:169.254.169.254/128", "64:ff9b::7f00:1/128");
        assertThat(p.decide(IpAddress.parse("::ffff:127.0.0.1"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
        assertThat(p.decide(IpAddress.parse("::ffff:169.254.169.254"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
        assertThat(p.decide(IpAddress.parse("64:ff9b::7f00:1"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
        assertThat(p.decide(IpAddress.parse("127.0.0.1"), answered)).isInstanceOf(Policy.Decision.Forward.class);
    }

    @Test
    void localUseNat64IsRefusedWhateverItEmbedsBecauseItsLayoutIsTheSitesChoice() {
        Policy p = policy("::/0");
        assertThat(p.decide(IpAddress.parse("64:ff9b:1::cb00:710a"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
    }

    @Test
    void aPublicIpv4InATranslatedSpellingIsForwardedWhenARouteCoversIt() {
        Policy p = policy("64:ff9b::/96", "2002::/16");
        assertThat(p.decide(IpAddress.parse("64:ff9b::cb00:710a"), answered)).isInstanceOf(Policy.Decision.Forward.class);
        assertThat(p.decide(IpAddress.parse("2002:cb00:710a::1"), answered)).isInstanceOf(Policy.Decision.Forward.class);
    }
}
