package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.api.ObjectReference;
import dev.pinhole.connector.config.ConfigProblem;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.testing.Adversarial;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** spec.clients[].groups and spec.access render into the connector config, checked with the spec's field names. */
class AccessRulesRenderingTest {
    private final AppConnector c = TestConnectors.valid();
    private final AppConnectorSpec spec = c.getSpec();

    private static AppConnectorSpec.AccessRule rule(String name, List<String> groups, List<String> domains,
                                                    List<String> cidrs, List<String> ipSets) {
        AppConnectorSpec.AccessRule r = new AppConnectorSpec.AccessRule();
        r.setName(name);
        r.setGroups(groups);
        r.setDomains(domains);
        if (cidrs != null || ipSets != null) {
            AppConnectorSpec.AccessRoutes routes = new AppConnectorSpec.AccessRoutes();
            routes.setCidrs(cidrs);
            routes.setIpSets(ipSets == null ? null : ipSets.stream().map(ObjectReference::new).toList());
            r.setRoutes(routes);
        }
        return r;
    }

    private ConnectorConfig renderWithIpSet() {
        return ConnectorConfigRenderer.render(c, List.of("192.0.2.0/24", "198.51.100.0/24"), List.of(),
                Map.of("office", List.of("192.0.2.0/25", "192.0.2.128/25")));
    }

    @Test
    void theExampleConnectorsRulesPassTheSpecCheckAndRender() throws Exception {
        AppConnector example = new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal(
                java.nio.file.Files.readString(java.nio.file.Path.of("examples", "appconnector.yaml")),
                AppConnector.class);
        example.getMetadata().setNamespace("demo");

        assertThat(ConnectorSpecCheck.check(example.getSpec())).isEmpty();
        ConnectorConfig config = ConnectorConfigRenderer.render(example, List.of("140.82.112.0/20", "192.30.252.0/22"),
                List.of(), Map.of("github-meta", List.of("192.30.252.0/22")));
        assertThat(ConnectorSpecCheck.checkRendered(config)).isEmpty();
        assertThat(config.access()).extracting(ConnectorConfig.AccessRule::name).containsExactly("code",
                "raw-content");
        assertThat(config.access().get(0).routes()).containsExactly("140.82.112.0/20", "192.30.252.0/22");
    }

    @Test
    void aSpecWithoutAccessRendersTheSameFileAsBefore() {
        assertThat(ConnectorConfigCodec.write(ConnectorConfigRenderer.render(c, List.of("198.51.100.0/24"))))
                .doesNotContain("access").doesNotContain("groups");
    }

    @Test
    void groupsAndRulesRenderWithIpSetRoutesResolvedAndPassTheConnectorsCheck() {
        spec.getClients().get(0).setGroups(List.of("sales"));
        spec.getRoutes().setIpSets(List.of(new ObjectReference("office")));
        spec.setAccess(List.of(rule("crm", List.of("sales"), List.of("api.example.net"),
                List.of("198.51.100.0/25"), List.of("office"))));

        ConnectorConfig config = renderWithIpSet();

        assertThat(config.clients().get(0).groups()).containsExactly("sales");
        assertThat(config.clients().get(1).groups()).isNull();
        assertThat(config.access()).containsExactly(new ConnectorConfig.AccessRule("crm", List.of("sales"), null,
                List.of("api.example.net"), List.of("192.0.2.0/24", "198.51.100.0/25")));
        assertThat(ConnectorSpecCheck.checkRendered(config)).isEmpty();
    }

    @Adversarial
    @Test
    void aRuleGrantingAnIpSetTheConnectorDoesNotRouteIsRefusedByTheSpecCheck() {
        spec.setAccess(List.of(rule("crm", List.of("sales"), null, null, List.of("everything"))));

        assertThat(ConnectorSpecCheck.check(spec)).extracting(ConfigProblem::field)
                .containsExactly("spec.access[0].routes.ipSets[0]");
    }

    @Adversarial
    @Test
    void aRuleRouteOutsideSpecRoutesIsRefusedNamingTheRulesRoutes() {
        spec.setAccess(List.of(rule("wide", List.of("ops"), null, List.of("0.0.0.0/0"), null)));

        List<ConfigProblem> problems = ConnectorSpecCheck.checkRendered(renderWithIpSet());

        assertThat(problems).extracting(ConfigProblem::field).containsExactly("spec.access[0].routes (cidrs with"
                + " ipSets)");
        assertThat(problems.get(0).reason()).contains("not inside spec.routes");
    }

    @Adversarial
    @Test
    void aRuleDomainOutsideSpecDomainsIsRefusedNamingTheSpecField() {
        spec.setAccess(List.of(rule("crm", List.of("sales"), List.of("example.net"), null, null)));

        List<ConfigProblem> problems = ConnectorSpecCheck.checkRendered(renderWithIpSet());

        assertThat(problems).extracting(ConfigProblem::field).containsExactly("spec.access[0].domains[0]");
        assertThat(problems.get(0).reason()).contains("not one of spec.domains");
    }
}
