package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.connector.config.ConfigCheck;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.resolver.DnsMetrics;
import dev.pinhole.dns.synthetic.ResolvedNames;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.dns.synthetic.SyntheticMapping;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.FakeTicker;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Access rules in the policy: a client reaches a served name or route only when a rule grants it (by name or
 * through a group); revocation on reload follows the same grants.
 */
class AccessPolicyTest {
    final SyntheticAddressPool pool = new SyntheticAddressPool(Cidr.parse("100.80.0.0/12"), Optional.empty(),
            1000, Duration.ofMinutes(10), new FakeTicker());
    final ConfigApplication.Context context = new ConfigApplication.Context(Policy.DEFAULT_CLUSTER_RANGES, pool,
            DnsMetrics.NONE);
    final ResolvedNames answered = new ResolvedNames(100);

    static ConnectorConfig config(List<String> aliceGroups, List<ConnectorConfig.AccessRule> rules) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "demo", "default",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("alice", ConfigApplicationTest.ALICE, "100.96.0.2/32",
                                aliceGroups),
                        new ConnectorConfig.Client("bob", ConfigApplicationTest.BOB, "100.96.0.3/32",
                                List.of("eng"))),
                List.of("crm.example.com", "*.code.example"), List.of("198.51.100.0/24", "192.0.2.0/24"),
                new ConnectorConfig.Egress("203.0.113.10", null, false), new ConnectorConfig.Dns(List.of()),
                new ConnectorConfig.Http(0), null, null, rules);
    }

    static final List<ConnectorConfig.AccessRule> RULES = List.of(
            new ConnectorConfig.AccessRule("crm", List.of("sales"), null, List.of("crm.example.com"),
                    List.of("198.51.100.0/25")),
            new ConnectorConfig.AccessRule("code", List.of("eng"), null, List.of("*.code.example"),
                    List.of("192.0.2.0/24")));

    Policy policy(ConnectorConfig config) {
        assertThat(ConfigCheck.check(config)).isEmpty();
        return ConfigApplication.plan(null, config, List.of(), List.of(), ConfigApplicationTest.NO_UPSTREAM,
                List.of(), context).next().policy();
    }

    IpAddress answer(String name) throws Exception {
        SyntheticMapping m = pool.mapIpv4(DnsName.of(name),
                List.of((Inet4Address) InetAddress.getByName("203.0.113.80")));
        answered.record(m.ipv4(), m.name());
        return IpAddress.of(m.ipv4());
    }

    @Test
    void aGroupMemberReachesItsRulesNameAndRoute() throws Exception {
        Policy p = policy(config(List.of("sales"), RULES));

        assertThat(p.decide("alice", answer("crm.example.com"), answered))
                .isInstanceOf(Policy.Decision.Forward.class);
        assertThat(p.decide("alice", IpAddress.parse("198.51.100.7"), answered))
                .isInstanceOf(Policy.Decision.Forward.class);
    }

    @Adversarial
    @Test
    void aNameTheConnectorServesToAnotherGroupIsNotGranted() throws Exception {
        Policy p = policy(config(List.of("sales"), RULES));
        // alice holds an answer for it (as if another client's lookup had been recorded as hers): still refused
        IpAddress code = answer("git.code.example");

        assertThat(p.decide("alice", code, answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_GRANTED));
        assertThat(p.decide("bob", code, answered)).isInstanceOf(Policy.Decision.Forward.class);
    }

    @Adversarial
    @Test
    void aRouteOfTheConnectorOutsideTheClientsRulesIsNotGranted() {
        Policy p = policy(config(List.of("sales"), RULES));

        assertThat(p.decide("alice", IpAddress.parse("198.51.100.200"), answered)) // in routes, not in crm's /25
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_GRANTED));
        assertThat(p.decide("alice", IpAddress.parse("192.0.2.1"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_GRANTED));
        assertThat(p.decide("alice", IpAddress.parse("203.0.113.99"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NO_ROUTE));
    }

    @Test
    void aRuleNamingTheClientGrantsItWithoutAGroup() throws Exception {
        Policy p = policy(config(null, List.of(RULES.get(0), new ConnectorConfig.AccessRule("alice-code", null,
                List.of("alice"), List.of("git.code.example"), null))));

        assertThat(p.decide("alice", answer("git.code.example"), answered))
                .isInstanceOf(Policy.Decision.Forward.class);
        assertThat(p.decide("alice", answer("wiki.code.example"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_GRANTED));
    }

    @Adversarial
    @Test
    void aRuleStillNamingARemovedClientAppliesAndGrantsThatNameNothing() throws Exception {
        Policy p = policy(config(List.of("sales"), List.of(RULES.get(0), new ConnectorConfig.AccessRule(
                "carol-code", null, List.of("carol"), List.of("git.code.example"), null))));

        assertThat(p.decide("carol", answer("git.code.example"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_GRANTED));
        assertThat(p.decide("alice", answer("crm.example.com"), answered))
                .isInstanceOf(Policy.Decision.Forward.class);
    }

    @Adversarial
    @Test
    void withRulesAClientInNoGrantedGroupReachesNothingAndAnUnknownNameNeitherThough() throws Exception {
        Policy p = policy(config(List.of("marketing"), RULES));

        assertThat(p.decide("alice", answer("crm.example.com"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_GRANTED));
        assertThat(p.decide("mallory", IpAddress.parse("192.0.2.1"), answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_GRANTED));
        assertThat(p.accessOf("alice").mayReach(DnsName.of("crm.example.com"))).isFalse();
    }

    @Adversarial
    @Test
    void aListedNameNotMappedHereIsResolvedOnlyForAClientGrantedIt() {
        Policy p = policy(config(List.of("eng"), RULES));
        DnsName crm = DnsName.of("crm.example.com"); // listed exactly: a reserved address on every replica
        pool.reserve(pool.reservationsFor(List.of(crm)));
        IpAddress reserved = IpAddress.of(pool.addressOf(crm));

        assertThat(p.decide("alice", reserved, answered))
                .isEqualTo(new Policy.Decision.Refuse(PolicyDropReason.NOT_GRANTED));
        assertThat(pool.size()).isZero();
        assertThat(policy(config(List.of("sales"), RULES)).decide("alice", reserved, answered))
                .isEqualTo(new Policy.Decision.Resolve(crm));
    }

    @Test
    void withoutRulesEveryClientReachesEverythingAsBefore() throws Exception {
        Policy p = policy(config(null, null));

        assertThat(p.decide("alice", answer("git.code.example"), answered))
                .isInstanceOf(Policy.Decision.Forward.class);
        assertThat(p.decide("alice", IpAddress.parse("192.0.2.1"), answered))
                .isInstanceOf(Policy.Decision.Forward.class);
    }

    @Test
    void clientsGrantedByTheSameRulesShareOneAccess() {
        Policy p = policy(config(List.of("eng"), RULES));

        assertThat(p.accessOf("alice")).isSameAs(p.accessOf("bob"));
    }

    @Adversarial
    @Test
    void movingAClientOutOfAGroupRevokesItsFlowsToThatGroupsAppsOnlyAndKeepsItAsAPeer() throws Exception {
        ConnectorConfig before = config(List.of("sales", "eng"), RULES);
        RuntimeState inForce = ConfigApplication.plan(null, before, List.of(), List.of(),
                ConfigApplicationTest.NO_UPSTREAM, List.of(), context).next();
        byte[] code = answer("git.code.example").toBytes();
        byte[] crm = answer("crm.example.com").toBytes();
        var toCode = ConfigApplicationTest.tcp("alice", "100.96.0.2", code);
        var toCrm = ConfigApplicationTest.tcp("alice", "100.96.0.2", crm);
        var toRoute = ConfigApplicationTest.tcp("alice", "100.96.0.2", ConfigApplicationTest.ip("192.0.2.1"));
        var bobsCode = ConfigApplicationTest.tcp("bob", "100.96.0.3", code);

        ConfigApplication.Plan plan = ConfigApplication.plan(inForce, config(List.of("sales"), RULES),
                List.of(), List.of(toCode, toCrm, toRoute, bobsCode), ConfigApplicationTest.NO_UPSTREAM, List.of(),
                context);

        assertThat(plan.revoked().flows()).containsExactlyInAnyOrder(toCode, toRoute);
        assertThat(plan.revoked().clients()).isEmpty();
        assertThat(plan.next().policy().accessOf("alice").mayReach(DnsName.of("git.code.example"))).isFalse();
    }

    @Adversarial
    @Test
    void removingARuleRevokesTheFlowsOnlyItGranted() throws Exception {
        RuntimeState inForce = ConfigApplication.plan(null, config(List.of("sales"), RULES), List.of(),
                List.of(), ConfigApplicationTest.NO_UPSTREAM, List.of(), context).next();
        var toCrm = ConfigApplicationTest.tcp("alice", "100.96.0.2", answer("crm.example.com").toBytes());
        var bobsRoute = ConfigApplicationTest.tcp("bob", "100.96.0.3", ConfigApplicationTest.ip("192.0.2.1"));

        ConfigApplication.Plan plan = ConfigApplication.plan(inForce, config(List.of("sales"),
                List.of(RULES.get(1))), List.of(), List.of(toCrm, bobsRoute), ConfigApplicationTest.NO_UPSTREAM,
                List.of(), context);

        assertThat(plan.revoked().flows()).containsExactly(toCrm);
    }
}
