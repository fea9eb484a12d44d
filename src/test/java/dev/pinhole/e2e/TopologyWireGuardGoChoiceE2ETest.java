package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.pinhole.testing.RootTier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * topology.sh runs the wireguard-go it is told to run: {@code PH_WG_GO} for the laptop and {@code PH_WG_GO_GW} for
 * the {@code --gateway wg} gateway (bench/iperf.sh puts upstream wireguard-go on the laptop for every gateway and
 * compares two wireguard-go builds as gateways, so a silent fallback to the one on PATH would mislabel every row).
 * The executables here are copies of the stock wireguard-go under other names, told apart by /proc/PID/exe.
 */
@RootTier(requires = {"wireguard-go", "wg", "nginx", "dnsmasq", "curl", "iptables", "socat", "openssl"})
class TopologyWireGuardGoChoiceE2ETest {
    private static final Duration CURL = Duration.ofSeconds(30);
    private static Path copies;
    private static Path clientWireGuardGo;
    private static Path gatewayWireGuardGo;
    private static NetnsTopology topology;

    @BeforeAll
    static void up() throws IOException {
        // The real path, since /proc/PID/exe names the executable by it.
        copies = Files.createTempDirectory("pinhole-wg-go-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"))).toRealPath();
        Path stock = onPath("wireguard-go");
        clientWireGuardGo = copy(stock, "client-wireguard-go");
        gatewayWireGuardGo = copy(stock, "gateway-wireguard-go");
        topology = NetnsTopology.up(NetnsTopology.Gateway.WIREGUARD_GO, NetnsTopology.newPrefix(), Map.of(
                "PH_WG_GO", clientWireGuardGo.toString(), "PH_WG_GO_GW", gatewayWireGuardGo.toString()));
    }

    @AfterAll
    static void down() throws IOException {
        if (topology != null) {
            topology.close();
        }
        if (copies != null) {
            for (Path p : new Path[] {clientWireGuardGo, gatewayWireGuardGo}) {
                if (p != null) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(copies);
        }
    }

    @Test
    void laptopRunsTheClientWireGuardGoAndTheTunnelCarriesTraffic() {
        assertThat(executableOf("wg-laptop.pid")).isEqualTo(clientWireGuardGo);
        CommandResult curl = topology.inLaptop(CURL, "curl", "-sk", "--max-time", "20", "-o", "/dev/null",
                "-w", "%{http_code}", "https://app.saas.test/");
        assertThat(curl.lastLine()).as(curl.toString()).isEqualTo("200");
    }

    @Test
    void gatewayRunsTheGatewayWireGuardGo() {
        assertThat(executableOf("wg-gw.pid")).isEqualTo(gatewayWireGuardGo);
    }

    @Test
    void restartedGatewayRunsTheSameWireGuardGoThoughTheRestartDoesNotNameIt() {
        topology.killAndRestartGateway(); // without PH_WG_GO_GW: the default would be the stock one on PATH

        assertThat(executableOf("wg-gw.pid")).isEqualTo(gatewayWireGuardGo);
    }

    @Test
    void missingClientWireGuardGoFailsUpBeforeAnythingIsBuilt() {
        String prefix = NetnsTopology.newPrefix();
        Path absent = copies.resolve("absent-wireguard-go");

        Throwable failure = upAndDown(prefix, Map.of("PH_WG_GO", absent.toString()));

        assertThat(failure).hasMessageContaining("PH_WG_GO=" + absent + ": no such executable")
                .message().doesNotContain("up failed; tearing down");
        assertThat(namespaces()).doesNotContain(prefix + "-");
        assertThat(Path.of("/tmp/pinhole-netns-" + prefix)).doesNotExist();
    }

    @Test
    void gatewayWireGuardGoThatIsADirectoryFailsUpBeforeAnythingIsBuilt() {
        String prefix = NetnsTopology.newPrefix();

        Throwable failure = upAndDown(prefix, Map.of("PH_WG_GO_GW", copies.toString()));

        assertThat(failure).hasMessageContaining("PH_WG_GO_GW=" + copies + ": no such executable")
                .message().doesNotContain("up failed; tearing down");
        assertThat(namespaces()).doesNotContain(prefix + "-");
        assertThat(Path.of("/tmp/pinhole-netns-" + prefix)).doesNotExist();
    }

    /** What up threw; a topology that came up after all is taken down again before the test fails. */
    private static Throwable upAndDown(String prefix, Map<String, String> settings) {
        return catchThrowable(() -> NetnsTopology.up(NetnsTopology.Gateway.WIREGUARD_GO, prefix, settings).close());
    }

    private static Path executableOf(String pidFile) {
        try {
            String pid = Files.readString(topology.stateFile(pidFile)).strip();
            return Files.readSymbolicLink(Path.of("/proc", pid, "exe"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String namespaces() {
        return NetnsTopology.run(Map.of(), Duration.ofSeconds(10), "ip", "netns", "list").stdout();
    }

    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(name + " is not on PATH");
    }

    private static Path copy(Path from, String name) throws IOException {
        Path to = copies.resolve(name);
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwxr-xr-x"));
        return to;
    }
}
