package dev.pinhole.connector.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.testing.Adversarial;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The connector's one config gate refuses, with the field named, everything the data plane could not apply. */
class ConfigCheckTest {
    private static final String ALICE = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

    private static ConnectorConfig config(String appRange, List<String> domains, String clientKey, String elasticIP) {
        return new ConnectorConfig(ConnectorConfig.FORMAT, "saas", "apps",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, appRange),
                List.of(new ConnectorConfig.Client("alice", clientKey, "100.96.0.2/32")),
                domains, List.of("198.51.100.0/24"),
                new ConnectorConfig.Egress(elasticIP, null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(9090));
    }

    private static ConnectorConfig valid() {
        return config("100.80.0.0/12", List.of("example.com", "*.example.net"), ALICE, "203.0.113.10");
    }

    private static ConfigProblem onlyProblem(ConnectorConfig config) {
        List<ConfigProblem> problems = ConfigCheck.check(config);
        assertThat(problems).hasSize(1);
        return problems.get(0);
    }

    @Test
    void aValidConfigHasNoProblems() {
        assertThat(ConfigCheck.check(valid())).isEmpty();
    }

    @Adversarial
    @ParameterizedTest
    @ValueSource(strings = {"*", "*.", "*.com", "exa*mple.com", "a..b", "-bad-.example.com", ""})
    void aDomainTheMatcherCannotParseIsRefusedWithItsIndex(String pattern) {
        ConfigProblem p = onlyProblem(config("100.80.0.0/12", List.of("example.com", pattern), ALICE,
                "203.0.113.10"));

        assertThat(p.field()).isEqualTo("domains[1]");
        assertThat(p.value()).isEqualTo(pattern);
    }

    @Test
    void theCheckAcceptsExactlyWhatTheMatcherParses() {
        List<String> domains = List.of("Example.COM.", "*.xn--bcher-kva.example", "bücher.example");

        assertThat(ConfigCheck.check(config("100.80.0.0/12", domains, ALICE, "203.0.113.10"))).isEmpty();
        assertThat(DomainMatcher.parse(domains).patterns()).hasSize(3);
    }

    @Adversarial
    @ParameterizedTest
    @ValueSource(strings = {"fd00:80::/48", "100.80.0.0/31", "100.80.0.1/32"})
    void anAppRangeThePoolCannotUseIsRefused(String appRange) {
        ConfigProblem p = onlyProblem(config(appRange, List.of("example.com"), ALICE, "203.0.113.10"));

        assertThat(p.field()).isEqualTo("tunnel.appRange");
        assertThat(p.value()).isEqualTo(appRange);
        assertThat(p.reason()).containsAnyOf("IPv4", "/30");
    }

    @Test
    void aSlash30AppRangeIsTheSmallestAccepted() {
        assertThat(ConfigCheck.check(config("100.80.0.0/30", List.of("example.com"), ALICE, "203.0.113.10")))
                .isEmpty();
    }

    @Adversarial
    @ParameterizedTest
    @ValueSource(strings = {
        "0000000000000000000000000000000000000000000000000000000000000000", // zero
        "0100000000000000000000000000000000000000000000000000000000000000", // u = 1 (order 4)
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p - 1 (order 2)
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p: zero, not canonical
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1: one, not canonical
        "0000000000000000000000000000000000000000000000000000000000000080", // zero with the top bit set
    })
    void aLowOrderClientKeyIsRefused(String hex) {
        String key = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));

        ConfigProblem p = onlyProblem(config("100.80.0.0/12", List.of("example.com"), key, "203.0.113.10"));

        assertThat(p.field()).isEqualTo("clients[0].publicKey");
        assertThat(p.reason()).contains("low-order");
        // Checked keys are remembered only when good: the same bad key is refused at every reload.
        assertThat(onlyProblem(config("100.80.0.0/12", List.of("example.com"), key, "203.0.113.10")).reason())
                .contains("low-order");
    }

    @Adversarial
    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255", "127.0.0.1", "::1",
        "169.254.169.254", "::ffff:0.0.0.0", "0.1.2.3"})
    void anElasticIpThatIsNotAUnicastHostIsRefused(String ip) {
        ConfigProblem p = onlyProblem(config("100.80.0.0/12", List.of("example.com"), ALICE, ip));

        assertThat(p.field()).isEqualTo("egress.elasticIP");
        assertThat(p.value()).isEqualTo(ip);
    }

    @Adversarial
    @Test
    void aClientWithoutANameIsRefused() {
        ConnectorConfig v = valid();
        ConnectorConfig c = new ConnectorConfig(v.format(), v.name(), v.namespace(), v.tunnel(),
                List.of(new ConnectorConfig.Client(null, ALICE, "100.96.0.2/32")), v.domains(), v.routes(),
                v.egress(), v.dns(), v.http());

        assertThat(onlyProblem(c).field()).isEqualTo("clients[0].name");
    }

    @Adversarial
    @Test
    void aConfigWithoutHttpIsRefusedNotANullPointerAtStart() {
        ConnectorConfig v = valid();
        ConnectorConfig c = new ConnectorConfig(v.format(), v.name(), v.namespace(), v.tunnel(), v.clients(),
                v.domains(), v.routes(), v.egress(), v.dns(), null);

        assertThat(onlyProblem(c).field()).isEqualTo("http");
    }

    private static ConnectorConfig withRecords(ConnectorConfig.Records records) {
        return valid().withRecords(records);
    }

    @Test
    void recordSettingsAreCheckedFieldByField() {
        assertThat(ConfigCheck.check(withRecords(new ConnectorConfig.Records("startAndEnd", false, true, "omit",
                100)))).isEmpty();

        List<ConfigProblem> problems = ConfigCheck.check(withRecords(new ConnectorConfig.Records("all", null,
                null, "hide", 0, -1)));

        assertThat(problems).extracting(ConfigProblem::field).containsExactly("records.flows",
                "records.clientEndpoints", "records.refusalsPerSecond", "records.activeTimeoutSeconds");
        assertThat(problems.get(0).value()).isEqualTo("all");
    }

    @Test
    void recordsLeftOutTakeTheDefaults() {
        var defaults = withRecords(null).effectiveRecords();
        var partial = withRecords(new ConnectorConfig.Records(null, null, true, null, null)).effectiveRecords();

        assertThat(defaults.flowEnds()).isTrue();
        assertThat(defaults.flowStarts()).isFalse();
        assertThat(defaults.refusals()).isTrue();
        assertThat(defaults.lookups()).isFalse();
        assertThat(defaults.clientEndpoints()).isTrue();
        assertThat(partial.lookups()).isTrue();
        assertThat(partial.flowEnds()).isTrue();
        assertThat(partial.refusalsPerSecond()).isEqualTo(1);
        assertThat(defaults.activeTimeoutSeconds()).isEqualTo(300);
        assertThat(defaults.flowUpdates()).isTrue();
    }

    @Test
    void anActiveTimeoutOfZeroTurnsUpdatesOffAndOneAboveADayIsRefused() {
        var none = withRecords(new ConnectorConfig.Records(null, null, null, null, null, 0)).effectiveRecords();

        assertThat(none.flowUpdates()).isFalse();
        assertThat(none.flowEnds()).isTrue();
        assertThat(onlyProblem(withRecords(new ConnectorConfig.Records(null, null, null, null, null, 86_401)))
                .field()).isEqualTo("records.activeTimeoutSeconds");
    }

    @Adversarial
    @Test
    void aRefusalRateAboveTheCapIsRefusedSoAScanCannotBeInvitedToFloodTheLog() {
        ConfigProblem p = onlyProblem(withRecords(new ConnectorConfig.Records(null, null, null, null, 1_000_000)));

        assertThat(p.field()).isEqualTo("records.refusalsPerSecond");
    }

    /** 8,193 random (non-low-order) keys at 100.96.x.y in a /16 tunnel. */
    private static List<ConnectorConfig.Client> manyClients(int n) {
        java.util.Random random = new java.util.Random(17);
        List<ConnectorConfig.Client> clients = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] key = new byte[32];
            random.nextBytes(key);
            int host = i + 2;
            clients.add(new ConnectorConfig.Client("client-" + i, Base64.getEncoder().encodeToString(key),
                    "100.96." + (host >> 8) + "." + (host & 0xff) + "/32"));
        }
        return clients;
    }

    private static ConnectorConfig withClients(List<ConnectorConfig.Client> clients) {
        ConnectorConfig v = valid();
        return new ConnectorConfig(v.format(), v.name(), v.namespace(),
                new ConnectorConfig.WireGuardInterface("100.96.0.1/16", 51820, 1420, "100.80.0.0/12"), clients,
                v.domains(), v.routes(), v.egress(), v.dns(), v.http());
    }

    @Test
    void aConnectorTakesItsFullBoundOfClients() {
        assertThat(ConfigCheck.check(withClients(manyClients(ConfigCheck.MAX_CLIENTS)))).isEmpty();
    }

    @Adversarial
    @Test
    void oneClientOverTheBoundIsRefusedOnTheListNotPerEntry() {
        ConfigProblem p = onlyProblem(withClients(manyClients(ConfigCheck.MAX_CLIENTS + 1)));

        assertThat(p.field()).isEqualTo("clients");
        assertThat(p.value()).isEqualTo("8193 clients");
        assertThat(p.reason()).contains("at most 8192");
    }
}
