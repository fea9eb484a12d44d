package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.InvalidConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectorConfigRendererTest {
    private final AppConnector c = TestConnectors.valid();

    private ConnectorConfig render() {
        return ConnectorConfigRenderer.render(c, List.of("198.51.100.0/24"));
    }

    @Test
    void renderWriteReadRoundTripsEqual() throws InvalidConfigException {
        ConnectorConfig config = render();

        assertThat(ConnectorConfigCodec.read(ConnectorConfigCodec.write(config))).isEqualTo(config);
    }

    @Test
    void roundTripKeepsVerifySettings() throws InvalidConfigException {
        AppConnectorSpec.Verify verify = new AppConnectorSpec.Verify();
        verify.setUrl("https://checkip.example/");
        verify.setEnforce(false);
        c.getSpec().getEgress().setVerify(verify);
        ConnectorConfig config = render();

        assertThat(ConnectorConfigCodec.read(ConnectorConfigCodec.write(config))).isEqualTo(config);
    }

    @Test
    void writingIsDeterministic() {
        assertThat(ConnectorConfigCodec.write(render())).isEqualTo(ConnectorConfigCodec.write(render()));
    }

    @Test
    void renderedConfigCarriesTheCurrentFormat() {
        assertThat(render().format()).isEqualTo(ConnectorConfig.FORMAT);
    }

    @Test
    void renderedConfigNamesTheConnector() {
        ConnectorConfig config = render();

        assertThat(config.name()).isEqualTo(TestConnectors.NAME);
        assertThat(config.namespace()).isEqualTo(TestConnectors.NAMESPACE);
    }

    @Test
    void tunnelDefaultsApplyWhenTheSpecHasNoTunnel() {
        c.getSpec().setTunnel(null);

        assertThat(render().tunnel()).isEqualTo(new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 51820, 1420,
                "100.80.0.0/12"));
    }

    @Test
    void partialTunnelIsCompletedWithDefaults() {
        AppConnectorSpec.WireGuardInterface t = new AppConnectorSpec.WireGuardInterface();
        t.setAddress(null);
        t.setListenPort(41641);
        t.setMtu(null);
        t.setAppRange(null);
        c.getSpec().setTunnel(t);

        assertThat(render().tunnel()).isEqualTo(new ConnectorConfig.WireGuardInterface("100.96.0.1/24", 41641, 1420,
                "100.80.0.0/12"));
    }

    @Test
    void clientsAreCopiedInOrder() {
        assertThat(render().clients()).containsExactly(
                new ConnectorConfig.Client("alice", TestConnectors.ALICE_PUBLIC, "100.96.0.2/32"),
                new ConnectorConfig.Client("bob", TestConnectors.BOB_PUBLIC, "100.96.0.3/32"));
    }

    @Test
    void routesAreTheResolvedRoutesGiven() {
        ConnectorConfig config = ConnectorConfigRenderer.render(c, List.of("192.0.2.0/24", "203.0.113.0/24"));

        assertThat(config.routes()).containsExactly("192.0.2.0/24", "203.0.113.0/24");
    }

    @Test
    void egressIsTheElasticIp() {
        assertThat(render().egress().elasticIP()).isEqualTo("203.0.113.10");
    }

    @Test
    void verificationIsEnforcedByDefaultWhenAUrlIsGiven() {
        AppConnectorSpec.Verify verify = new AppConnectorSpec.Verify();
        verify.setUrl("https://checkip.example/");
        verify.setEnforce(null);
        c.getSpec().getEgress().setVerify(verify);

        assertThat(render().egress().enforce()).isTrue();
        assertThat(render().egress().verifyUrl()).isEqualTo("https://checkip.example/");
    }

    @Test
    void withoutVerificationNothingIsEnforced() {
        c.getSpec().getEgress().setVerify(null);

        assertThat(render().egress().enforce()).isFalse();
        assertThat(render().egress().verifyUrl()).isNull();
    }

    @Test
    void missingListsRenderAsEmpty() {
        c.getSpec().setClients(null);
        c.getSpec().setDomains(null);
        c.getSpec().setDns(null);

        ConnectorConfig config = ConnectorConfigRenderer.render(c, List.of());

        assertThat(config.clients()).isEmpty();
        assertThat(config.domains()).isEmpty();
        assertThat(config.dns().upstream()).isEmpty();
    }

    @Test
    void httpPortIsTheProbePort() {
        assertThat(render().http().port()).isEqualTo(ConnectorNames.HTTP_PORT);
    }

    @Test
    void theNatGatewayNodesAddressesAreRenderedSortedAsNetworkNodeAddresses() throws InvalidConfigException {
        ConnectorConfig config = ConnectorConfigRenderer.render(c, List.of("198.51.100.0/24"),
                List.of("198.18.100.21", "2001:db8::21", "198.18.100.20", "198.18.100.21"));

        assertThat(config.network().nodeAddresses()).containsExactly("198.18.100.20", "198.18.100.21",
                "2001:db8::21");
        assertThat(ConnectorConfigCodec.read(ConnectorConfigCodec.write(config))).isEqualTo(config);
    }

    @Test
    void withoutNodesThereIsNoNetworkSection() {
        assertThat(render().network()).isNull();
        assertThat(ConnectorConfigCodec.write(render())).doesNotContain("network");
    }

    @Test
    void recordsAreRenderedAsGivenAndLeftOutWhenTheSpecHasNone() throws InvalidConfigException {
        assertThat(render().records()).isNull();

        AppConnectorSpec.Records records = new AppConnectorSpec.Records();
        records.setFlows("startAndEnd");
        records.setLookups(true);
        records.setClientEndpoints("omit");
        records.setActiveTimeoutSeconds(60);
        c.getSpec().setRecords(records);
        ConnectorConfig config = render();

        assertThat(config.records()).isEqualTo(new ConnectorConfig.Records("startAndEnd", null, true, "omit", null,
                60));
        assertThat(ConnectorConfigCodec.read(ConnectorConfigCodec.write(config))).isEqualTo(config);
        assertThat(config.effectiveRecords().refusals()).as("a field left out takes its default").isTrue();
    }

    @Test
    void aBadRecordsValueIsNamedByItsSpecField() {
        AppConnectorSpec.Records records = new AppConnectorSpec.Records();
        records.setFlows("off");
        c.getSpec().setRecords(records);

        assertThat(ConnectorSpecCheck.check(c.getSpec()))
                .anySatisfy(p -> assertThat(p.field()).isEqualTo("spec.records.flows"));
    }
}
