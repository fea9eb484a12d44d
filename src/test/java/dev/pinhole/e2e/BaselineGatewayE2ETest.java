package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.RootTier;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves the test topology itself with the baseline gateway (wireguard-go + kernel forwarding + MASQUERADE in
 * namespace gw): the SaaS admits the elastic IP through the tunnel and refuses the laptop's own address. If this
 * fails, a {@link DataPlaneE2ETest} failure says nothing about the connector.
 */
@RootTier(requires = {"wireguard-go", "wg", "nginx", "dnsmasq", "curl", "iptables", "socat", "openssl"})
class BaselineGatewayE2ETest {
    private static final Duration CURL = Duration.ofSeconds(30);
    private static NetnsTopology topology;

    @BeforeAll
    static void up() {
        topology = NetnsTopology.up(NetnsTopology.Gateway.WIREGUARD_GO);
    }

    @AfterAll
    static void down() {
        if (topology != null) {
            topology.close();
        }
    }

    @Test
    void httpsThroughTheTunnelIsAllowedAndSeenFromTheElasticIp() {
        String probe = AccessLog.newProbe();

        CommandResult curl = topology.inLaptop(CURL, "curl", "-sk", "--max-time", "20", "-o", "/dev/null",
                "-w", "%{http_code}", "https://app.saas.test/?" + probe);

        assertThat(curl.lastLine()).as(curl.toString()).isEqualTo("200");
        assertThat(accessLog().sourcesOf(probe)).containsExactly(topology.get("ELASTIC_IP"));
    }

    @Test
    void directRequestBypassingTheTunnelIsDenied() {
        String probe = AccessLog.newProbe();

        CommandResult curl = topology.inLaptop(CURL, "curl", "-sk", "--max-time", "20", "-o", "/dev/null",
                "-w", "%{http_code}", "--interface", topology.get("LAPTOP_DIRECT"),
                "https://" + topology.get("SAAS_IP") + "/?" + probe);

        assertThat(curl.lastLine()).as(curl.toString()).isEqualTo("403");
        assertThat(accessLog().sourcesOf(probe)).containsExactly(topology.get("LAPTOP_DIRECT"));
    }

    private static AccessLog accessLog() {
        return new AccessLog(topology.stateFile("nginx-access.log"));
    }
}
