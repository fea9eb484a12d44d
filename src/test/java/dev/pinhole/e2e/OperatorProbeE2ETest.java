package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.api.AppConnector;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.testing.RootTier;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator reads a real connector's {@code /status} into the AppConnector's status. The control plane is
 * {@code test/cluster/up.sh}'s (KUBECONFIG); the operator jar runs with probing on inside the namespace of
 * {@code test/netns/cluster-net.sh}; the connector runs from the ConfigMap and Secret the operator rendered for
 * {@code examples/demo/appconnector.yaml}, in the gw namespace of {@code test/netns/topology.sh}, and takes the
 * address kwok gave its pod. Nothing is faked between them: the operator's HTTP GET reaches the connector process.
 */
@Tag("e2e")
@RootTier(requires = {"wireguard-go", "wg", "nginx", "dnsmasq", "curl", "iptables", "socat", "openssl"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorProbeE2ETest {
    private static final Duration WAIT = E2ECluster.WAIT;
    private static final String CLUSTER_NET = "test/netns/cluster-net.sh";
    private static final String NAME = "saas";
    private static final String ELASTIC_IP = "203.0.113.10";
    /** The pod CIDRs test/cluster/up.sh gives the NAT-gateway nodes. */
    private static final Cidr NAT_POD_CIDRS = Cidr.parse("198.18.200.0/23");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static KubernetesClient client;
    private static String prefix;
    private static boolean clusterNetUp;
    private static OperatorProcess operator;
    private static Path work;
    private static String ns;
    private static NetnsTopology topology;
    private static Condition egressBeforeTheDataPlane;
    private static String podIp;
    private static volatile String lastSeen;

    @BeforeAll
    static void start() throws Exception {
        if (OperatorUnderTest.inCluster()) {
            skip("the operator runs in-cluster (PINHOLE_E2E_OPERATOR=in-cluster); this test runs the operator jar in a"
                    + " network namespace next to a connector process; OperatorProbeInClusterE2ETest probes real"
                    + " connector pods there");
        }
        client = E2ECluster.connect(OperatorProbeE2ETest.class);
        URI api = URI.create(client.getConfiguration().getMasterUrl());
        if (!"127.0.0.1".equals(api.getHost())) {
            skip("the API server is at " + api + "; cluster-net.sh relays only test/cluster's 127.0.0.1");
        }
        E2ECluster.installCrds(client);
        work = Files.createTempDirectory("pinhole-probe-e2e",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        prefix = NetnsTopology.newPrefix();
        clusterNetUp = true;
        clusterNet(Duration.ofMinutes(1), "up", String.valueOf(api.getPort()));
        ns = E2ECluster.createNamespace(client, "e2e-probe");
        // Probing on, as in production; only this test's namespace; a recheck every 2 s so the test never waits
        // for the default 30 s; a 5 s probe timeout because a busy machine can stall the connector's JVM longer
        // than the default 1.5 s.
        operator = OperatorProcess.startInNetworkNamespace(prefix + "-k8s", Map.of(
                "PINHOLE_OPERATOR_PROBE_CONNECTORS", "true",
                "PINHOLE_OPERATOR_RECHECK_SECONDS", "2",
                "PINHOLE_OPERATOR_REPORT_SECONDS", "2",
                "PINHOLE_OPERATOR_PROBE_TIMEOUT_MILLIS", "5000",
                "QUARKUS_OPERATOR_SDK_NAMESPACES", ns));

        String laptopKey = run(Duration.ofSeconds(10), "wg", "genkey").stdout().strip();
        String laptopPublicKey = runWithInput(laptopKey, "wg", "pubkey").strip();
        String manifest = Files.readString(Path.of("examples/demo/appconnector.yaml"))
                .replace("LAPTOP_PUBLIC_KEY", laptopPublicKey);
        AppConnector connector = client.getKubernetesSerialization().unmarshal(manifest, AppConnector.class);
        connector.getMetadata().setNamespace(ns);
        client.resource(connector).create();

        AppConnector ready = awaitConnector(c -> condition(c, "Ready").filter(x -> "True".equals(x.getStatus()))
                .isPresent());
        egressBeforeTheDataPlane = condition(ready, "EgressVerified").orElseThrow();
        Pod pod = await().atMost(WAIT).until(() -> client.pods().inNamespace(ns)
                        .withLabel("pinhole.dev/connector", NAME).list().getItems(),
                pods -> pods.size() == 1 && pods.get(0).getStatus().getPodIP() != null).get(0);
        podIp = pod.getStatus().getPodIP();

        Path config = write("connector.json", configMapValue(NAME + "-config", "connector.json"));
        Path key = write("connector.key", new String(Base64.getDecoder().decode(
                client.secrets().inNamespace(ns).withName(NAME + "-key").get().getData().get("privateKey")),
                StandardCharsets.UTF_8));
        topology = NetnsTopology.up(NetnsTopology.Gateway.JAVA, prefix, Map.of(
                "PH_CONNECTOR_CONFIG", config.toString(),
                "PH_CONNECTOR_KEY", key.toString(),
                "PH_CLIENT_CONF", write("laptop.conf",
                        clientFile(configMapValue(NAME + "-clients", "laptop.conf"), laptopKey)).toString(),
                "PH_BIG_MB", "1"));
        clusterNet(Duration.ofMinutes(1), "attach", podIp, topology.get("NS_GW"));
    }

    private static void skip(String why) {
        System.err.println("SKIPPED " + MethodHandles.lookup().lookupClass().getSimpleName() + ": " + why);
        Assumptions.abort(why);
    }

    @AfterAll
    static void stop() throws Exception {
        if (operator != null) {
            operator.close();
            List<String> lines = operator.logLines();
            System.out.println("operator log " + operator.logLocation() + " (last 30 lines):\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
        }
        if (topology != null) {
            topology.close();
        }
        if (clusterNetUp) {
            clusterNet(Duration.ofMinutes(1), "down");
        }
        if (client != null) {
            if (ns != null) {
                client.namespaces().withName(ns).delete();
            }
            client.close();
        }
        if (work != null) {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void theConnectorPodHasAnAddressFromItsNatGatewayNodesPodCidr() {
        assertThat(NAT_POD_CIDRS.contains(IpAddress.parse(podIp))).as("pod address %s", podIp).isTrue();
    }

    @Test
    @Order(2)
    void untilTheConnectorAnswersEgressAwaitsTheDataPlane() {
        assertThat(egressBeforeTheDataPlane.getStatus()).isEqualTo("Unknown");
        assertThat(egressBeforeTheDataPlane.getReason()).isEqualTo("AwaitingDataPlane");
    }

    @Test
    @Order(3)
    void egressIsVerifiedFromWhatTheRunningConnectorObserves() throws IOException {
        AppConnector c = awaitConnector(x -> condition(x, "EgressVerified")
                .filter(e -> "True".equals(e.getStatus())).isPresent());

        Condition egress = condition(c, "EgressVerified").orElseThrow();
        assertThat(egress.getReason()).isEqualTo("Verified");
        assertThat(egress.getMessage()).isEqualTo("1 pods observe egress " + ELASTIC_IP);
        assertThat(c.getStatus().getEgressIPs()).containsExactly(ELASTIC_IP);
        assertThat(condition(c, "Ready").orElseThrow().getStatus()).isEqualTo("True");
        assertThat(connectorStatus().path("observedEgressIP").asText()).isEqualTo(ELASTIC_IP);
    }

    /** The connector runs the files the operator rendered: the digest it reports is the one the operator computes. */
    @Test
    @Order(3)
    void theConfigTheConnectorRunsIsTheOneRendered() throws IOException {
        String running = connectorStatus().path("configDigest").asText();
        AppConnector c = awaitConnector(x -> condition(x, "ConfigApplied")
                .filter(e -> "True".equals(e.getStatus())).isPresent());

        assertThat(condition(c, "ConfigApplied").orElseThrow().getMessage())
                .isEqualTo("config " + running + " in force on 1 pod");
    }

    @Test
    @Order(4)
    void flowsAndNamesAreWhatTheConnectorReports() {
        CommandResult curl = topology.inLaptop(Duration.ofSeconds(60), "curl", "-sk", "--max-time", "30",
                "-o", "/dev/null", "-w", "%{http_code}", "https://app.saas.test/");
        assertThat(curl.lastLine()).as(curl.toString()).isEqualTo("200");
        // A UDP flow through the static route stays in the connector's flow table for its 60 s idle timeout.
        String probe = AccessLog.newProbe();
        CommandResult echo = topology.shellInLaptop(Duration.ofSeconds(30),
                "echo " + probe + " | socat -t 5 - UDP4:" + topology.get("SAAS_UDP_IP") + ":7");
        assertThat(echo.stdout().strip()).as(echo.toString()).isEqualTo(probe);

        await().atMost(WAIT).alias("AppConnector activeFlows/mappedNames = the connector's /status").until(() -> {
            JsonNode reported = connectorStatus();
            AppConnector c = client.resources(AppConnector.class).inNamespace(ns).withName(NAME).get();
            lastSeen = "connector activeFlows=" + reported.path("activeFlows") + " mappedNames="
                    + reported.path("mappedNames") + "; AppConnector activeFlows=" + c.getStatus().getActiveFlows()
                    + " mappedNames=" + c.getStatus().getMappedNames();
            return reported.path("activeFlows").asLong() >= 1 && reported.path("mappedNames").asLong() >= 1
                    && Long.valueOf(reported.path("activeFlows").asLong()).equals(c.getStatus().getActiveFlows())
                    && Long.valueOf(reported.path("mappedNames").asLong()).equals(c.getStatus().getMappedNames());
        });
    }

    @Test
    @Order(5)
    void aDeclaredElasticIpThePodsDoNotObserveIsAMismatch() {
        client.resources(AppConnector.class).inNamespace(ns).withName(NAME)
                .edit(c -> {
                    c.getSpec().getEgress().setElasticIP("203.0.113.99");
                    return c;
                });

        AppConnector c = awaitConnector(x -> condition(x, "EgressVerified")
                .filter(e -> "False".equals(e.getStatus())).isPresent());

        Condition egress = condition(c, "EgressVerified").orElseThrow();
        assertThat(egress.getReason()).isEqualTo("Mismatch");
        assertThat(egress.getMessage()).isEqualTo("pods observe egress " + ELASTIC_IP + ", expected 203.0.113.99");
        assertThat(c.getStatus().getEgressIPs()).containsExactly(ELASTIC_IP);
    }

    /**
     * The spec changed, the connector still runs the files it was started with (this test copied them once, as a
     * volume that never refreshes would): Ready must not claim the new config, and ConfigApplied names both digests.
     */
    @Test
    @Order(6)
    void aPodStillOnTheOldConfigIsNamedAndReadyDoesNotClaimTheNewOne() throws IOException {
        String running = connectorStatus().path("configDigest").asText();

        AppConnector c = awaitConnector(x -> condition(x, "ConfigApplied")
                .filter(e -> "ConfigStale".equals(e.getReason())).isPresent());

        assertThat(condition(c, "ConfigApplied").orElseThrow().getMessage()).contains("runs " + running)
                .doesNotContain("rendered config " + running);
        assertThat(condition(c, "Ready").orElseThrow().getMessage()).contains("not in force");
        assertThat(condition(c, "Progressing").orElseThrow().getStatus()).isEqualTo("True");
    }

    @org.junit.jupiter.api.AfterEach
    void report() {
        if (lastSeen != null) {
            System.out.println("last seen: " + lastSeen);
        }
    }

    /** The connector's own /status, read inside its namespace. */
    private static JsonNode connectorStatus() throws IOException {
        CommandResult status = topology.inNamespace(topology.get("NS_GW"), Duration.ofSeconds(10),
                "curl", "-fsS", "--max-time", "5", "http://127.0.0.1:" + topology.get("HTTP_PORT") + "/status");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        return JSON.readTree(status.stdout());
    }

    private static AppConnector awaitConnector(Predicate<AppConnector> until) {
        return ConnectorStatusPoll.await(client, ns, NAME, until, seen -> lastSeen = seen);
    }

    private static Optional<Condition> condition(AppConnector c, String type) {
        return ConnectorStatusPoll.condition(c, type);
    }

    private static String configMapValue(String name, String key) {
        return client.configMaps().inNamespace(ns).withName(name).get().getData().get(key);
    }

    /** The user's part of the client file: their private key, and the endpoint of the connector's namespace. */
    private static String clientFile(String rendered, String privateKey) {
        StringBuilder out = new StringBuilder();
        for (String line : rendered.split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("PrivateKey")) {
                out.append("PrivateKey = ").append(privateKey).append('\n');
            } else if (trimmed.matches("#?\\s*Endpoint\\s*=.*")) {
                continue;
            } else {
                out.append(line).append('\n');
                if (trimmed.startsWith("PublicKey")) {
                    // the gw namespace's address on the laptop's link (test/netns/topology.sh)
                    out.append("Endpoint = 198.18.0.1:51820\n");
                }
            }
        }
        return out.toString();
    }

    private static Path write(String name, String content) throws IOException {
        Path file = work.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static void clusterNet(Duration timeout, String... args) {
        String[] command = Stream.concat(Stream.of("bash", CLUSTER_NET), Stream.of(args)).toArray(String[]::new);
        CommandResult result = NetnsTopology.run(Map.of("PH_PREFIX", prefix), timeout, command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("cluster-net.sh failed: " + result);
        }
    }

    private static CommandResult run(Duration timeout, String... command) {
        CommandResult result = NetnsTopology.run(Map.of(), timeout, command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(result.toString());
        }
        return result;
    }

    private static String runWithInput(String input, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write((input + "\n").getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
