package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.synthetic.ResolvedNames;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.dns.synthetic.SyntheticMapping;
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
    /** The synthetic answers of the client whose flows are decided. */
    final ResolvedNames answered = new ResolvedNames(1000);
    final SyntheticAddressPool pool = new SyntheticAddressPool(Cidr.parse("100.80.0.0/12"), Optional.empty(),
            1000, Duration.ofMinutes(10), ticker);

    Policy policy(String... routes) {
        return new Policy(Cidr.parse("100.80.0.0/12"), Policy.cidrs(routes), Policy.DEFAULT_CLUSTER_RANGES, pool);
    }

    /** What the resolver does for the client's A query: map the name, record the answer as the client's. */
    SyntheticMapping answer(String name, Inet4Address... real) throws Exception {
        SyntheticMapping m = pool.mapIpv4(DnsName.of(name), List.of(real));
        answered.record(m.ipv4(), m.name());
        return m;
    }

    static IpAddress ip(String s) {
        return IpAddress.parse(s);
    }

    static Inet4Address v4(String s) throws Exception {
        return (Inet4Address) InetAddress.getByName(s);
    }

    @Test
    void aMappedSyntheticAddressForwardsToItsRealAddresses() throws Exception {
        var mapping = answer("api.github.com", v4("140.82.112.5"), v4("140.82.112.6"));

        var d = policy().decide(IpAddress.ofBytes(mapping.ipv4().getAddress()), answered);

        assertThat(d).isEqualTo(new Policy.Decision.Forward(List.of(v4("140.82.112.5"), v4("140.82.112.6"))));
    }

    @Test
    void usingASyntheticAddressKeepsItsMappingAlive() throws Exception {
        var mapping = answer("api.github.com", v4("140.82.112.5"));
        ticker.advance(Duration.ofMinutes(9));
        policy().decide(IpAddress.ofBytes(mapping.ipv4().getAddress()), answered);
        ticker.advance(Duration.ofMinutes(9));

        assertThat(pool.expireIdle()).isZero();
    }

    @Test
    void aMappedAddressThisClientWasNeverAnsweredIsRefused() throws Exception {
        // Another client resolved the name here, or this client resolved it on another replica before a failover.
        var mapping = pool.mapIpv4(DnsName.of("api.github.com"), List.of(v4("140.82.112.5")));

        assertThat(policy().decide(IpAddress.of(mapping.ipv4()), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_RESOLVED));
    }

    @Adversarial
    @Test
    void anAddressRecycledToACollidingNameIsRefusedToTheClientOfTheOldName() throws Exception {
        SyntheticAddressPool small = new SyntheticAddressPool(Cidr.parse("100.80.0.0/24"), Optional.empty(), 10,
                Duration.ofMinutes(10), ticker);
        Policy p = new Policy(Cidr.parse("100.80.0.0/24"), List.of(), Policy.DEFAULT_CLUSTER_RANGES, small);
        DnsName x = DnsName.of("x.example.com");
        DnsName y = collidingWith(small, x);
        var mx = small.mapIpv4(x, List.of(v4("203.0.113.1")));
        answered.record(mx.ipv4(), x);
        ticker.advance(Duration.ofMinutes(10));
        small.expireIdle();
        var my = small.mapIpv4(y, List.of(v4("203.0.113.2"))); // another client asks for y: same address
        ResolvedNames otherClient = new ResolvedNames(10);
        otherClient.record(my.ipv4(), y);

        assertThat(my.ipv4()).isEqualTo(mx.ipv4());
        assertThat(p.decide(IpAddress.of(mx.ipv4()), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_RESOLVED));
        assertThat(p.decide(IpAddress.of(my.ipv4()), otherClient))
                .isEqualTo(new Policy.Decision.Forward(List.of(v4("203.0.113.2"))));
    }

    @Test
    void aRecycledNameGetsItsAddressBackAndItsClientsFlowsGoOn() throws Exception {
        var first = answer("api.github.com", v4("140.82.112.5"));
        ticker.advance(Duration.ofMinutes(10));
        pool.expireIdle();
        var again = pool.mapIpv4(DnsName.of("api.github.com"), List.of(v4("140.82.112.6"))); // another client

        assertThat(again.ipv4()).isEqualTo(first.ipv4());
        assertThat(policy().decide(IpAddress.of(first.ipv4()), answered))
                .isEqualTo(new Policy.Decision.Forward(List.of(v4("140.82.112.6"))));
    }

    /** A name whose synthetic address in {@code pool} is {@code name}'s (found by trying names in order). */
    static DnsName collidingWith(SyntheticAddressPool pool, DnsName name) {
        InetAddress target = pool.addressOf(name);
        for (int i = 0;; i++) {
            DnsName candidate = DnsName.of("c" + i + ".example.com");
            if (pool.addressOf(candidate).equals(target) && !candidate.equals(name)) {
                return candidate;
            }
        }
    }

    @Test
    void aLiveFlowToAMappedNameIsPermittedWithoutTheClientsAnswers() throws Exception {
        // The revocation check after a reload: the flow was decided with its client's answers when it opened.
        var mapping = pool.mapIpv4(DnsName.of("api.github.com"), List.of(v4("140.82.112.5")));

        assertThat(policy().permits(IpAddress.of(mapping.ipv4()))).isTrue();
        assertThat(policy().permits(ip("100.80.3.3"))).isFalse();
    }

    @Test
    void theRevocationCheckRecordsNoAnswerAndKeepsNoMappingAlive() throws Exception {
        var mapping = pool.mapIpv4(DnsName.of("api.github.com"), List.of(v4("140.82.112.5")));
        ticker.advance(Duration.ofMinutes(9));
        policy().permits(IpAddress.of(mapping.ipv4()));
        ticker.advance(Duration.ofMinutes(9));

        assertThat(answered.knows(mapping.ipv4())).isFalse();
        assertThat(pool.expireIdle()).isEqualTo(1);
    }

    @Test
    void anUnmappedSyntheticAddressIsRefused() {
        assertThat(policy().decide(ip("100.80.3.3"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_MAPPED));
    }

    @Test
    void aStaticRouteForwardsToTheDestinationItself() throws Exception {
        assertThat(policy("140.82.112.0/20").decide(ip("140.82.113.1"), answered))
                .isEqualTo(new Policy.Decision.Forward(List.of(v4("140.82.113.1"))));
    }

    @Test
    void anythingElseHasNoRoute() {
        assertThat(policy("140.82.112.0/20").decide(ip("8.8.8.8"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NO_ROUTE));
    }

    @Test
    void aDefaultRouteDoesNotNameLoopbackMetadataOrClusterRanges() {
        Policy p = policy("0.0.0.0/0");
        for (String forbidden : List.of("127.0.0.1", "169.254.169.254", "10.96.0.1", "192.168.1.1", "0.0.0.1",
                "224.0.0.1", "100.64.0.1")) {
            assertThat(p.decide(ip(forbidden), answered)).as(forbidden)
                    .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
        }
        assertThat(p.decide(ip("203.0.113.10"), answered)).isInstanceOf(Policy.Decision.Forward.class);
    }

    @Test
    void aRouteInsideAForbiddenBlockNamesIt() throws Exception {
        assertThat(policy("127.0.0.1/32").decide(ip("127.0.0.1"), answered))
                .isEqualTo(new Policy.Decision.Forward(List.of(v4("127.0.0.1"))));
        assertThat(policy("10.1.0.0/16").decide(ip("10.1.2.3"), answered)).isInstanceOf(Policy.Decision.Forward.class);
        assertThat(policy("10.1.0.0/16").decide(ip("10.2.0.1"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NO_ROUTE));
    }

    @Adversarial
    @Test
    void theUnspecifiedAddressCannotBeNamedBecauseDiallingItReachesThePodItself() throws Exception {
        assertThat(policy("0.0.0.0/32").decide(ip("0.0.0.0"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
        assertThat(policy("::/128").decide(ip("::"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
    }

    @Test
    void aMappingToAForbiddenRealAddressIsRefusedUnlessARouteNamesIt() throws Exception {
        var mapping = answer("rebind.example", v4("169.254.169.254"));
        IpAddress synthetic = IpAddress.ofBytes(mapping.ipv4().getAddress());

        assertThat(policy().decide(synthetic, answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION));
        assertThat(policy("169.254.169.254/32").decide(synthetic, answered)).isInstanceOf(Policy.Decision.Forward.class);
    }

    @Test
    void clusterRangesComeFromACommaSeparatedList() {
        assertThat(Policy.parseCidrList(" 10.0.0.0/8, fd00::/8 ,")).containsExactly(Cidr.parse("10.0.0.0/8"),
                Cidr.parse("fd00::/8"));
        assertThat(Policy.parseCidrList("")).isEmpty();
    }
}
