package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientConfigRendererTest {
    private static final ConnectorKey KEY = ConnectorKey.fromPrivate("dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=");

    private final AppConnector c = TestConnectors.valid();
    private final AppConnectorSpec.Client alice = c.getSpec().getClients().get(0);

    private String render(List<String> endpoints, List<String> routes) {
        return ClientConfigRenderer.render(c, alice, KEY.publicKey(), endpoints, routes);
    }

    private String render() {
        return render(List.of("198.51.100.200:51820"), List.of("198.51.100.0/24"));
    }

    /** The value of the one uncommented "Key = value" line, or fails. */
    private static String value(String config, String key) {
        List<String> values = Arrays.stream(config.split("\n"))
                .filter(l -> l.startsWith(key + " = "))
                .map(l -> l.substring(key.length() + 3))
                .toList();
        assertThat(values).as("lines starting with '%s = '", key).hasSize(1);
        return values.get(0);
    }

    @Test
    void peerIsTheConnectorsPublicKey() {
        assertThat(value(render(), "PublicKey")).isEqualTo(KEY.publicKey());
    }

    @Test
    void addressIsTheClientsTunnelAddress() {
        assertThat(value(render(), "Address")).isEqualTo("100.96.0.2/32");
    }

    @Test
    void dnsIsTheConnectorsTunnelAddress() {
        assertThat(value(render(), "DNS")).isEqualTo("100.96.0.1");
    }

    @Test
    void mtuIsTheTunnelMtu() {
        c.getSpec().getTunnel().setMtu(1380);

        assertThat(value(render(), "MTU")).isEqualTo("1380");
    }

    @Test
    void allowedIpsAreAppRangeThenTunnelAddressThenRoutes() {
        String config = render(List.of(), List.of("198.51.100.0/24", "2001:db8::/32"));

        assertThat(value(config, "AllowedIPs"))
                .isEqualTo("100.80.0.0/12, 100.96.0.1/32, 198.51.100.0/24, 2001:db8::/32");
    }

    @Test
    void allowedIpsWithoutRoutesAreAppRangeAndTunnelAddress() {
        assertThat(value(render(List.of(), List.of()), "AllowedIPs")).isEqualTo("100.80.0.0/12, 100.96.0.1/32");
    }

    @Test
    void allowedIpsDoNotRepeatAnEntry() {
        String config = render(List.of(), List.of("100.96.0.1/32", "198.51.100.0/24", "198.51.100.0/24"));

        assertThat(value(config, "AllowedIPs")).isEqualTo("100.80.0.0/12, 100.96.0.1/32, 198.51.100.0/24");
    }

    @Test
    void ipv6TunnelAddressIsAllowedAsSlash128() {
        c.getSpec().getTunnel().setAddress("fd00:96::1/64");
        c.getSpec().getTunnel().setAppRange("fd00:80::/48");
        alice.setAddress("fd00:96::2/128");

        String config = render(List.of(), List.of());

        assertThat(value(config, "DNS")).isEqualTo("fd00:96::1");
        assertThat(value(config, "AllowedIPs")).isEqualTo("fd00:80::/48, fd00:96::1/128");
    }

    @Test
    void endpointIsTheFirstKnownEndpoint() {
        String config = render(List.of("198.51.100.200:51820", "198.51.100.201:51820"), List.of());

        assertThat(value(config, "Endpoint")).isEqualTo("198.51.100.200:51820");
    }

    @Test
    void theOtherEndpointsAreListedAsAlternatives() {
        String config = render(List.of("198.51.100.200:31820", "198.51.100.201:31820", "198.51.100.202:31820"),
                List.of());

        assertThat(config).containsOnlyOnce("\nEndpoint = ");
        assertThat(config).contains("# Endpoint = 198.51.100.201:31820   (alternative)\n",
                "# Endpoint = 198.51.100.202:31820   (alternative)\n");
    }

    @Test
    void unknownEndpointIsACommentNotALine() {
        String config = render(List.of(), List.of());

        assertThat(config).doesNotContainPattern("(?m)^Endpoint");
        assertThat(config).containsPattern("(?m)^# Endpoint = .*not known yet");
    }

    @Test
    void keepaliveIsSet() {
        assertThat(value(render(), "PersistentKeepalive")).isEqualTo("25");
    }

    @Test
    void privateKeyIsOnlyThePlaceholder() {
        assertThat(value(render(), "PrivateKey")).isEqualTo(ClientConfigRenderer.PRIVATE_KEY_PLACEHOLDER);
    }

    @Test
    void connectorsPrivateKeyNeverAppears() {
        assertThat(render()).doesNotContain(KEY.privateKey());
    }

    @Test
    void interfaceSectionPrecedesPeerSection() {
        String config = render();

        assertThat(config.indexOf("[Interface]")).isNotNegative().isLessThan(config.indexOf("[Peer]"));
        assertThat(config.indexOf("PrivateKey")).isLessThan(config.indexOf("[Peer]"));
        assertThat(config.indexOf("AllowedIPs")).isGreaterThan(config.indexOf("[Peer]"));
    }

    @Test
    void headerNamesTheClientAndItsPublicKey() {
        String config = render();

        assertThat(config).contains("\"alice\"", TestConnectors.NAMESPACE + "/" + TestConnectors.NAME,
                TestConnectors.ALICE_PUBLIC);
    }
}
