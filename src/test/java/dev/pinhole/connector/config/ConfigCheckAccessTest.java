package dev.pinhole.connector.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Access rules only narrow what the connector carries, name what exists, and stay bounded. */
class ConfigCheckAccessTest {
    private static final String ALICE = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
    private static final String BOB = "aBfY4V8qR8ZCzCi1J3R8VpvEMgS3tDKE0i1e3uHqkFE=";

    private static ConnectorConfig config(List<String> aliceGroups, List<ConnectorConfig.AccessRule> rules) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "saas", "apps",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
                List.of(new ConnectorConfig.Client("alice", ALICE, "100.96.0.2/32", aliceGroups),
                        new ConnectorConfig.Client("bob", BOB, "100.96.0.3/32")),
                List.of("example.com", "*.example.net"), List.of("198.51.100.0/25", "198.51.100.128/25"),
                new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(9090), null, null, rules);
    }

    private static ConnectorConfig.AccessRule rule(String name, List<String> groups, List<String> clients,
                                                   List<String> domains, List<String> routes) {
        return new ConnectorConfig.AccessRule(name, groups, clients, domains, routes);
    }

    private static ConfigProblem onlyProblem(ConnectorConfig config) {
        List<ConfigProblem> problems = ConfigCheck.check(config);
        assertThat(problems).hasSize(1);
        return problems.get(0);
    }

    @Test
    void rulesWithinTheConnectorsDomainsAndRoutesPass() {
        ConnectorConfig c = config(List.of("sales"), List.of(
                rule("crm", List.of("sales"), null, List.of("example.com", "api.example.net", "*.eu.example.net",
                        "*.example.net"), null),
                rule("net", null, List.of("bob"), null, List.of("198.51.100.0/24", "198.51.100.7/32"))));

        assertThat(ConfigCheck.check(c)).isEmpty();
    }

    @Adversarial
    @ParameterizedTest
    @ValueSource(strings = {"example.org", "www.example.com", "*.example.com", "example.net", "evil-example.net"})
    void aRuleDomainTheConnectorDoesNotServeIsRefused(String domain) {
        ConfigProblem p = onlyProblem(config(null, List.of(rule("crm", List.of("sales"), null, List.of(domain),
                null))));

        assertThat(p.field()).isEqualTo("access[0].domains[0]");
        assertThat(p.value()).isEqualTo(domain);
        assertThat(p.reason()).contains("not one of domains");
    }

    @Adversarial
    @ParameterizedTest
    @ValueSource(strings = {"198.51.100.0/23", "0.0.0.0/0", "203.0.113.10/32", "2001:db8::/64"})
    void aRuleRouteOutsideTheConnectorsRoutesIsRefused(String route) {
        ConfigProblem p = onlyProblem(config(null, List.of(rule("net", List.of("ops"), null, null,
                List.of(route)))));

        assertThat(p.field()).isEqualTo("access[0].routes[0]");
        assertThat(p.reason()).contains("not inside routes");
    }

    @Adversarial
    @Test
    void aRuleStillNamingARemovedClientDoesNotBlockTheRemoval() {
        // Revoking a client must never wait for every rule that names it to be edited too: the rule grants the
        // missing name nothing (AccessGrantsTest), the rest of the config applies.
        ConnectorConfig c = config(null, List.of(rule("crm", null, List.of("mallory"), List.of("example.com"),
                null)));

        assertThat(ConfigCheck.check(c)).isEmpty();
    }

    @Adversarial
    @Test
    void duplicateRuleNamesAreRefused() {
        ConfigProblem p = onlyProblem(config(null, List.of(
                rule("crm", List.of("a"), null, List.of("example.com"), null),
                rule("crm", List.of("b"), null, List.of("example.com"), null))));

        assertThat(p.field()).isEqualTo("access[1].name");
        assertThat(p.reason()).isEqualTo("duplicate of access[0].name");
    }

    @Adversarial
    @ParameterizedTest
    @ValueSource(strings = {"Sales", "-ops", "ops-", "a.b", "", "ops team",
            "a123456789012345678901234567890123456789012345678901234567890123"})
    void aGroupThatIsNotADnsLabelIsRefusedOnTheClientAndOnTheRule(String group) {
        List<ConfigProblem> problems = ConfigCheck.check(config(List.of("ok", group),
                List.of(rule("crm", List.of(group), null, List.of("example.com"), null))));

        assertThat(problems).extracting(ConfigProblem::field)
                .containsExactlyInAnyOrder("clients[0].groups[1]", "access[0].groups[0]");
        assertThat(problems.get(0).reason()).contains("DNS label");
    }

    @Adversarial
    @Test
    void aClientInMoreThan32GroupsIsRefused() {
        List<String> groups = new ArrayList<>();
        for (int i = 0; i < 33; i++) {
            groups.add("g" + i);
        }
        ConfigProblem p = onlyProblem(config(groups, null));

        assertThat(p.field()).isEqualTo("clients[0].groups");
        assertThat(p.reason()).isEqualTo("at most 32");
    }

    @Adversarial
    @Test
    void moreThan256RulesAreRefusedBeforeAnyIsLookedAt() {
        List<ConnectorConfig.AccessRule> rules = Collections.nCopies(257,
                rule("same", List.of("g"), null, List.of("example.org"), null));
        ConfigProblem p = onlyProblem(config(null, rules));

        assertThat(p.field()).isEqualTo("access");
        assertThat(p.reason()).isEqualTo("at most 256 rules");
    }

    @Adversarial
    @Test
    void aRuleListOverItsBoundIsRefusedWithoutAProblemPerEntry() {
        List<String> clients = Collections.nCopies(100_000, "mallory");
        ConfigProblem p = onlyProblem(config(null, List.of(rule("crm", null, clients, List.of("example.com"),
                null))));

        assertThat(p.field()).isEqualTo("access[0].clients");
        assertThat(p.reason()).isEqualTo("at most 256");
    }

    @Adversarial
    @Test
    void aRuleThatGrantsNobodyOrNothingIsRefused() {
        List<ConfigProblem> problems = ConfigCheck.check(config(null, List.of(
                rule("nobody", null, null, List.of("example.com"), null),
                rule("nothing", List.of("sales"), null, null, null))));

        assertThat(problems).extracting(ConfigProblem::field).containsExactly("access[0]", "access[1]");
        assertThat(problems.get(0).reason()).startsWith("grants nobody");
        assertThat(problems.get(1).reason()).startsWith("grants nothing");
    }

    @Test
    void noRulesAndEmptyRulesAreBothTodaysOpenConfig() {
        assertThat(ConfigCheck.check(config(null, null))).isEmpty();
        assertThat(ConfigCheck.check(config(null, List.of()))).isEmpty();
        assertThat(config(null, List.of()).restrictsAccess()).isFalse();
    }
}
