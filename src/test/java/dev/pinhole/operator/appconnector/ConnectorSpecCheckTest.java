package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.connector.config.ConfigProblem;
import dev.pinhole.testing.Adversarial;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectorSpecCheckTest {
    private final AppConnector c = TestConnectors.valid();
    private final AppConnectorSpec spec = c.getSpec();

    private List<ConfigProblem> problems() {
        return ConnectorSpecCheck.check(spec);
    }

    private ConfigProblem onlyProblem() {
        List<ConfigProblem> problems = problems();
        assertThat(problems).hasSize(1);
        return problems.get(0);
    }

    private void setClientAddress(int index, String address) {
        spec.getClients().get(index).setAddress(address);
    }

    @Test
    void validSpecHasNoProblems() {
        assertThat(problems()).isEmpty();
    }

    @Test
    void specWithoutTunnelBlockUsesDefaultsAndIsValid() {
        spec.setTunnel(null);

        assertThat(problems()).isEmpty();
    }

    @Test
    void validIpv6TunnelWithIpv6ClientsHasNoProblems() {
        spec.getTunnel().setAddress("fd00:96::1/64");
        setClientAddress(0, "fd00:96::2/128");
        setClientAddress(1, "fd00:96::3/128");
        spec.getRoutes().setCidrs(List.of("2001:db8::/32", "198.51.100.0/24"));

        assertThat(problems()).isEmpty();
    }

    @Adversarial
    @Test
    void anIpv6AppRangeIsRefusedNamingTheSpecField() {
        spec.getTunnel().setAppRange("fd00:80::/48");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.tunnel.appRange");
        assertThat(p.value()).isEqualTo("fd00:80::/48");
        assertThat(p.reason()).contains("IPv4");
    }

    @Adversarial
    @Test
    void anAppRangeNarrowerThanASlash30IsRefusedNamingTheSpecField() {
        spec.getTunnel().setAppRange("100.80.0.0/31");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.tunnel.appRange");
        assertThat(p.reason()).contains("/30");
    }

    @Adversarial
    @Test
    void aDomainMatchingEveryNameIsRefusedNamingTheSpecField() {
        spec.setDomains(List.of("example.com", "*"));

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.domains[1]");
        assertThat(p.value()).isEqualTo("*");
    }

    @Adversarial
    @Test
    void aLowOrderClientKeyIsRefusedNamingTheSpecField() {
        spec.getClients().get(0).setPublicKey("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");

        assertThat(onlyProblem().field()).isEqualTo("spec.clients[0].publicKey");
    }

    @Adversarial
    @Test
    void anUnspecifiedElasticIpIsRefusedNamingTheSpecField() {
        spec.getEgress().setElasticIP("0.0.0.0");

        assertThat(onlyProblem().field()).isEqualTo("spec.egress.elasticIP");
    }

    @Test
    void ipv6ClientWrittenAsSlash32IsRejected() {
        spec.getTunnel().setAddress("fd00:96::1/64");
        setClientAddress(0, "fd00:96::2/32");
        setClientAddress(1, "fd00:96::3/128");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.clients[0].address");
        assertThat(p.reason()).contains("/128");
    }

    @Test
    void missingElasticIpIsRequired() {
        spec.getEgress().setElasticIP(null);

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.egress.elasticIP");
        assertThat(p.reason()).isEqualTo("required");
    }

    @Test
    void malformedElasticIpNamesFieldAndValue() {
        spec.getEgress().setElasticIP("203.0.113");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.egress.elasticIP");
        assertThat(p.value()).isEqualTo("203.0.113");
    }

    @Test
    void elasticIpGivenAsCidrIsRejected() {
        spec.getEgress().setElasticIP("203.0.113.10/32");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.egress.elasticIP");
        assertThat(p.value()).isEqualTo("203.0.113.10/32");
    }

    @Test
    void clientAddressOutsideTheTunnelNetworkIsRejected() {
        setClientAddress(1, "100.97.0.3/32");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.clients[1].address");
        assertThat(p.value()).isEqualTo("100.97.0.3/32");
        assertThat(p.reason()).contains("outside the tunnel network", "100.96.0.0/24");
    }

    @Test
    void clientOfTheOtherFamilyIsOutsideTheTunnelNetwork() {
        setClientAddress(0, "fd00::2/128");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.clients[0].address");
        assertThat(p.reason()).contains("outside the tunnel network");
    }

    @Test
    void clientAddressEqualToTheConnectorsTunnelAddressIsRejected() {
        setClientAddress(0, "100.96.0.1/32");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.clients[0].address");
        assertThat(p.value()).isEqualTo("100.96.0.1/32");
        assertThat(p.reason()).contains("own tunnel address");
    }

    @Test
    void duplicateClientAddressNamesTheFirstUse() {
        setClientAddress(1, "100.96.0.2/32");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.clients[1].address");
        assertThat(p.value()).isEqualTo("100.96.0.2/32");
        assertThat(p.reason()).contains("duplicate", "spec.clients[0].address");
    }

    @Test
    void duplicateClientNameNamesTheFirstUse() {
        spec.getClients().get(1).setName("alice");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.clients[1].name");
        assertThat(p.value()).isEqualTo("alice");
        assertThat(p.reason()).contains("duplicate", "spec.clients[0].name");
    }

    @Test
    void clientAddressWiderThanOneHostIsRejected() {
        setClientAddress(0, "100.96.0.2/24");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.clients[0].address");
        assertThat(p.value()).isEqualTo("100.96.0.2/24");
        assertThat(p.reason()).contains("/32");
    }

    @Test
    void clientAddressWithoutPrefixIsRejected() {
        setClientAddress(0, "100.96.0.2");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.clients[0].address");
        assertThat(p.reason()).contains("/32");
    }

    @Test
    void malformedClientAddressNamesFieldAndValue() {
        setClientAddress(0, "100.96.0.300/32");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.clients[0].address");
        assertThat(p.value()).contains("100.96.0.300");
    }

    @Test
    void missingClientAddressIsRequired() {
        setClientAddress(0, null);

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.clients[0].address");
        assertThat(p.reason()).isEqualTo("required");
    }

    @Test
    void appRangeOverlappingTheTunnelNetworkIsRejected() {
        spec.getTunnel().setAppRange("100.96.0.0/16");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.tunnel.appRange");
        assertThat(p.value()).isEqualTo("100.96.0.0/16");
        assertThat(p.reason()).contains("overlaps the tunnel network", "100.96.0.0/24");
    }

    @Test
    void appRangeInsideTheTunnelNetworkIsRejected() {
        spec.getTunnel().setAddress("100.64.0.1/10");
        spec.getClients().get(0).setAddress("100.64.0.2/32");
        spec.getClients().get(1).setAddress("100.64.0.3/32");

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.tunnel.appRange");
        assertThat(p.reason()).contains("100.64.0.0/10");
    }

    @Test
    void malformedTunnelAddressNamesTheField() {
        spec.getTunnel().setAddress("100.96.0.1");

        assertThat(problems()).extracting(ConfigProblem::field).contains("spec.tunnel.address");
        assertThat(problems()).filteredOn(p -> p.field().equals("spec.tunnel.address"))
                .extracting(ConfigProblem::value).containsExactly("100.96.0.1");
    }

    @Test
    void routeWithHostBitsSetNamesIndexAndValue() {
        spec.getRoutes().setCidrs(List.of("198.51.100.0/24", "192.0.2.5/24"));

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.routes.cidrs[1]");
        assertThat(p.value()).isEqualTo("192.0.2.5/24");
        assertThat(p.reason()).contains("host bits");
    }

    @Test
    void routeOverlappingTheAppRangeIsRejected() {
        spec.getRoutes().setCidrs(List.of("100.80.0.0/16"));

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.routes.cidrs[0]");
        assertThat(p.value()).isEqualTo("100.80.0.0/16");
        assertThat(p.reason()).contains("spec.tunnel.appRange", "100.80.0.0/12");
    }

    @Test
    void routeCoveringTheAppRangeIsRejected() {
        spec.getRoutes().setCidrs(List.of("100.64.0.0/10"));

        assertThat(problems()).extracting(ConfigProblem::field).contains("spec.routes.cidrs[0]");
        assertThat(problems()).extracting(ConfigProblem::reason)
                .anyMatch(r -> r.contains("spec.tunnel.appRange"));
    }

    @Test
    void routeOverlappingTheTunnelNetworkIsRejected() {
        spec.getRoutes().setCidrs(List.of("100.96.0.128/25"));

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.routes.cidrs[0]");
        assertThat(p.reason()).contains("tunnel network");
    }

    @Test
    void ipv6RouteDoesNotOverlapAnIpv4AppRange() {
        spec.getRoutes().setCidrs(List.of("2001:db8::/32"));

        assertThat(problems()).isEmpty();
    }

    @Test
    void malformedUpstreamResolverNamesIndexAndValue() {
        spec.getDns().setUpstream(List.of("192.0.2.53", "dns.example"));

        ConfigProblem p = onlyProblem();

        assertThat(p.field()).isEqualTo("spec.dns.upstream[1]");
        assertThat(p.value()).isEqualTo("dns.example");
    }

    @Test
    void everyProblemIsReportedNotJustTheFirst() {
        spec.getEgress().setElasticIP("nope");
        setClientAddress(0, "100.97.0.2/32");
        spec.getRoutes().setCidrs(List.of("192.0.2.5/24"));

        assertThat(problems()).extracting(ConfigProblem::field)
                .containsExactlyInAnyOrder("spec.egress.elasticIP", "spec.clients[0].address", "spec.routes.cidrs[0]");
    }

    @Test
    void problemTextNamesFieldAndValue() {
        spec.getRoutes().setCidrs(List.of("192.0.2.5/24"));

        assertThat(onlyProblem().toString()).startsWith("spec.routes.cidrs[0]: \"192.0.2.5/24\": ");
    }

    @Test
    @dev.pinhole.testing.Adversarial
    void anEmptyNodeSelectorWithoutAnExplicitOptOutIsRefused() {
        spec.getEgress().getNatGateway().setNodeSelector(java.util.Map.of());
        assertThat(onlyProblem().field()).isEqualTo("spec.egress.natGateway.nodeSelector");

        spec.getEgress().getNatGateway().setAnyNode(true);
        assertThat(onlyProblem()).isEqualTo(new ConfigProblem("spec.egress.natGateway.anyNode", "true",
                "requires spec.egress.verify"));

        AppConnectorSpec.Verify verify = new AppConnectorSpec.Verify();
        verify.setUrl("https://checkip.example.com");
        spec.getEgress().setVerify(verify);
        assertThat(problems()).isEmpty();
    }

    @Test
    @dev.pinhole.testing.Adversarial
    void anIpv6RouteSpellingForbiddenIpv4NamesTheSpecField() {
        spec.getRoutes().setCidrs(List.of("198.51.100.0/24", "::ffff:0:0/96"));

        ConfigProblem p = onlyProblem();
        assertThat(p.field()).isEqualTo("spec.routes.cidrs[1]");
        assertThat(p.value()).isEqualTo("::ffff:0:0/96");
        assertThat(p.reason()).contains("mapped").contains("IPv4");
    }

    @Test
    @dev.pinhole.testing.Adversarial
    void mergedIpSetRoutesThatCoverMostOfIpv4AreAnOpenProxyOnSpecRoutes() {
        List<ConfigProblem> problems = ConnectorSpecCheck.checkRoutes(spec, List.of("128.0.0.0/1"));

        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("spec.routes");
            assertThat(p.reason()).contains("open proxy");
        });
    }
}
