package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.dns.message.DnsName;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.time.FakeTicker;
import dev.pinhole.testing.Adversarial;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which destinations a client may reach: synthetic mappings, static routes, and the ranges never reached. */
class PolicyTest {
    final FakeTicker ticker = new FakeTicker();
    final SyntheticAddressPool pool = new SyntheticAddressPool(Cidr.parse("100.80.0.0/12"), Optional.empty(),
            1000, Duration.ofMinutes(10), ticker);

    Policy policy(String... routes) {
        return new Policy(Cidr.parse("100.80.0.0/12"), Policy.cidrs(routes), Policy.DEFAULT_CLUSTER_RANGES, pool);
    }

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static Inet4Address v4(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }

    @Test
    void aMappedSyntheticAddressForwardsToItsRealAddresses() throws Exception {
        var mapping = pool.mapIpv4(DnsName.of("api.github.com"), List.of(v4("140.82.112.5"), v4("140.82.112.6")));

        var d = policy().decide(IpAddress.ofBytes(mapping.ipv4().getAddress()));

        assertThat(d).isEqualTo(new Policy.Decision.Forward(List.of(v4("140.82.112.5"), v4("140.82.112.6"))));
    }

    @Test
    void usingASyntheticAddressKeepsItsMappingAlive() throws Exception {
        var mapping = pool.mapIpv4(DnsName.of("api.github.com"), List.of(v4("140.82.112.5")));
        ticker.advance(Duration.ofMinutes(9));
        policy().decide(IpAddress.ofBytes(mapping.ipv4().getAddress()));
        ticker.advance(Duration.ofMinutes(9));

        assertThat(pool.expireIdle()).isZero();
    }

    @Test
    void anUnmappedSyntheticAddressIsRefused() {
        assertThat(policy().decide(ip("100.80.3.3")))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_MAPPED));
    }

    @Test
    void aStaticRouteForwardsToTheDestinationItself() throws Exception {
        assertThat(policy("140.82.112.0/20").decide(ip("140.82.113.1")))
                .isEqualTo(new Policy.Decision.Forward(List.of(v4("140.82.113.1"))));
    }

    @Test
    void anythingElseHasNoRoute() {
        assertThat(policy("140.82.112.0/20").decide(ip("8.8.8.8")))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NO_ROUTE));
    }

    @Test
    void aDefaultRouteDoesNotNameLoopbackMetadataOrClusterRanges() {
        Policy p = policy("0.0.0.0/0");
        for (String forbidden : List.of("127.0.0.1", "169.254.169.254", "10.96.0.1", "192.168.1.1", "0.0.0.1",
                "224.0.0.1", "100.64.0.1")) {
            assertThat(p.decide(ip(forbidden))).as(forbidden)
                    .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
        }
        assertThat(p.decide(ip("203.0.113.10"))).isInstanceOf(Policy.Decision.Forward.class);
    }

    @Test
    void aRouteInsideAForbiddenBlockNamesIt() throws Exception {
        assertThat(policy("127.0.0.1/32").decide(ip("127.0.0.1")))
                .isEqualTo(new Policy.Decision.Forward(List.of(v4("127.0.0.1"))));
        assertThat(policy("10.1.0.0/16").decide(ip("10.1.2.3"))).isInstanceOf(Policy.Decision.Forward.class);
        assertThat(policy("10.1.0.0/16").decide(ip("10.2.0.1")))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NO_ROUTE));
    }

    @Adversarial
    @Test
    void theUnspecifiedAddressCannotBeNamedBecauseDiallingItReachesThePodItself() throws Exception {
        assertThat(policy("0.0.0.0/32").decide(ip("0.0.0.0")))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
        assertThat(policy("::/128").decide(ip("::")))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
    }

    @Test
    void aMappingToAForbiddenRealAddressIsRefusedUnlessARouteNamesIt() throws Exception {
        var mapping = pool.mapIpv4(DnsName.of("rebind.example"), List.of(v4("169.254.169.254")));
        IpAddress synthetic = IpAddress.ofBytes(mapping.ipv4().getAddress());

        assertThat(policy().decide(synthetic))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
        assertThat(policy("169.254.169.254/32").decide(synthetic)).isInstanceOf(Policy.Decision.Forward.class);
    }

    @Test
    void clusterRangesComeFromACommaSeparatedList() {
        assertThat(Policy.parseCidrList(" 10.0.0.0/8, fd00::/8 ,")).containsExactly(Cidr.parse("10.0.0.0/8"),
                Cidr.parse("fd00::/8"));
        assertThat(Policy.parseCidrList("")).isEmpty();
    }
}
