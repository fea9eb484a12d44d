package dev.pinhole.connector.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.list;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectorConfigCodecTest {
    private static final ConnectorConfig CONFIG = new ConnectorConfig(
            ConnectorConfig.FORMAT, "saas", "apps",
            new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420, "100.80.0.0/12"),
            List.of(new ConnectorConfig.Client("alice", "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=",
                    "100.96.0.2/32")),
            List.of("example.com", "*.example.net"),
            List.of("198.51.100.0/24"),
            new ConnectorConfig.Egress("203.0.113.10", "https://checkip.example/", true),
            new ConnectorConfig.Dns(List.of("192.0.2.53")),
            new ConnectorConfig.Http(9090));

    private static String written() {
        return ConnectorConfigCodec.write(CONFIG);
    }

    private static ConfigProblem onlyProblem(String text) {
        try {
            ConnectorConfigCodec.read(text);
        } catch (InvalidConfigException e) {
            assertThat(e.problems()).hasSize(1);
            return e.problems().get(0);
        }
        throw new AssertionError("accepted: " + text);
    }

    @Test
    void writeThenReadRoundTrips() throws InvalidConfigException {
        assertThat(ConnectorConfigCodec.read(written())).isEqualTo(CONFIG);
    }

    @Test
    void sameConfigWritesTheSameBytes() {
        ConnectorConfig copy = new ConnectorConfig(CONFIG.format(), CONFIG.name(), CONFIG.namespace(),
                CONFIG.tunnel(), List.copyOf(CONFIG.clients()), List.copyOf(CONFIG.domains()),
                List.copyOf(CONFIG.routes()), CONFIG.egress(), CONFIG.dns(), CONFIG.http());

        assertThat(ConnectorConfigCodec.write(copy)).isEqualTo(written());
    }

    @Test
    void rewritingAReadConfigGivesTheSameBytes() throws InvalidConfigException {
        assertThat(ConnectorConfigCodec.write(ConnectorConfigCodec.read(written()))).isEqualTo(written());
    }

    @Test
    void aConfigWithoutAccessRulesWritesNoAccessOrGroupsKeys() {
        assertThat(written()).doesNotContain("access").doesNotContain("groups");
        assertThat(ConnectorConfigCodec.write(CONFIG.withAccess(List.of()))).isEqualTo(written());
    }

    @Test
    void groupsAndAccessRulesRoundTrip() throws InvalidConfigException {
        ConnectorConfig withRules = new ConnectorConfig(CONFIG.format(), CONFIG.name(), CONFIG.namespace(),
                CONFIG.tunnel(), List.of(new ConnectorConfig.Client("alice",
                        "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=", "100.96.0.2/32", List.of("sales"))),
                CONFIG.domains(), CONFIG.routes(), CONFIG.egress(), CONFIG.dns(), CONFIG.http(), null, null,
                List.of(new ConnectorConfig.AccessRule("crm", List.of("sales"), List.of("alice"),
                        List.of("example.com"), List.of("198.51.100.0/25"))));

        String text = ConnectorConfigCodec.write(withRules);

        assertThat(text).contains("\"groups\" : [ \"sales\" ]").contains("\"access\"");
        assertThat(ConnectorConfigCodec.read(text)).isEqualTo(withRules);
    }

    @Test
    void writtenTextEndsWithANewline() {
        assertThat(written()).endsWith("}\n");
    }

    @Test
    void absentOptionalValuesAreOmitted() throws InvalidConfigException {
        ConnectorConfig noVerify = new ConnectorConfig(CONFIG.format(), CONFIG.name(), CONFIG.namespace(),
                CONFIG.tunnel(), CONFIG.clients(), CONFIG.domains(), CONFIG.routes(),
                new ConnectorConfig.Egress("203.0.113.10", null, false), CONFIG.dns(), CONFIG.http());

        String text = ConnectorConfigCodec.write(noVerify);

        assertThat(text).doesNotContain("verifyUrl").doesNotContain("null");
        assertThat(ConnectorConfigCodec.read(text)).isEqualTo(noVerify);
    }

    @Test
    void unknownTopLevelFieldIsNamed() {
        String text = written().replaceFirst("\\{", "{\"tunel\": {},");

        ConfigProblem p = onlyProblem(text);

        assertThat(p.field()).isEqualTo("tunel");
        assertThat(p.reason()).isEqualTo("unknown field");
    }

    @Test
    void unknownNestedFieldIsNamedWithItsPath() {
        String text = written().replace("\"listenPort\"", "\"mttu\" : 1, \"listenPort\"");

        ConfigProblem p = onlyProblem(text);

        assertThat(p.field()).isEqualTo("tunnel.mttu");
        assertThat(p.value()).isEqualTo("mttu");
    }

    @Test
    void unknownFieldMessageNamesTheField() {
        String text = written().replaceFirst("\\{", "{\"surprise\": 1,");

        assertThatThrownBy(() -> ConnectorConfigCodec.read(text))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("surprise")
                .hasMessageContaining("unknown field");
    }

    @Test
    void wrongFormatIsRefusedNamingTheExpectedFormat() {
        String text = written().replace(ConnectorConfig.FORMAT, "pinhole.dev/connector-config/v2");

        ConfigProblem p = onlyProblem(text);

        assertThat(p.field()).isEqualTo("format");
        assertThat(p.value()).isEqualTo("pinhole.dev/connector-config/v2");
        assertThat(p.reason()).contains(ConnectorConfig.FORMAT);
    }

    @Test
    void missingFormatIsRefused() {
        String text = written().replace("\"format\" : \"" + ConnectorConfig.FORMAT + "\",", "");
        assertThat(text).doesNotContain("format");

        assertThat(onlyProblem(text).field()).isEqualTo("format");
    }

    @Test
    void malformedJsonIsRefused() {
        String text = written().substring(0, written().length() / 2);

        assertThatThrownBy(() -> ConnectorConfigCodec.read(text))
                .isInstanceOf(InvalidConfigException.class)
                .extracting(e -> ((InvalidConfigException) e).problems(), list(ConfigProblem.class))
                .hasSize(1);
    }

    @Test
    void trailingContentIsRefused() {
        assertThatThrownBy(() -> ConnectorConfigCodec.read(written() + "{}"))
                .isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void emptyTextIsRefused() {
        assertThatThrownBy(() -> ConnectorConfigCodec.read("")).isInstanceOf(InvalidConfigException.class);
    }

    @Test
    void jsonNullIsRefusedAsEmpty() {
        ConfigProblem p = onlyProblem("null");

        assertThat(p.reason()).isEqualTo("empty config");
    }

    @Test
    void nullForANumberIsRefusedNamingTheField() {
        String text = written().replace("\"mtu\" : 1420", "\"mtu\" : null");
        assertThat(text).contains("\"mtu\" : null");

        assertThat(onlyProblem(text).field()).isEqualTo("tunnel.mtu");
    }

    @Test
    void missingNumberIsRefusedNamingTheField() {
        String text = written().replace("\"listenPort\" : 51820,", "");
        assertThat(text).doesNotContain("listenPort");

        assertThat(onlyProblem(text).field()).isEqualTo("tunnel.listenPort");
    }

    @Test
    void wrongTypeIsRefusedNamingTheField() {
        String text = written().replace("\"listenPort\" : 51820", "\"listenPort\" : \"udp\"");
        assertThat(text).contains("\"udp\"");

        assertThat(onlyProblem(text).field()).isEqualTo("tunnel.listenPort");
    }

    @Test
    void problemInAListNamesTheIndex() {
        String text = written().replace("\"address\" : \"100.96.0.2/32\"",
                "\"address\" : \"100.96.0.2/32\", \"extra\" : true");
        assertThat(text).contains("extra");

        assertThat(onlyProblem(text).field()).isEqualTo("clients[0].extra");
    }
}
