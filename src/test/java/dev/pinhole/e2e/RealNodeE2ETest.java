package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.api.Client;
import dev.pinhole.api.ClientConnectorStatus;
import dev.pinhole.api.ClientSource;
import dev.pinhole.api.ClientSpec;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Pinhole as users install it, on a real kubelet node (test/cluster/node.sh): the chart's operator Deployment runs the
 * image built from the repository's Dockerfile (hack/image.sh, imported, never pulled) as a pod under the chart's
 * ServiceAccount (test/cluster/operator.sh, through {@link RealNode}); the connector Deployment it renders runs in a
 * namespace where the API server's own Pod Security admission enforces {@code restricted}. The container really runs as
 * 65532 on a read-only root filesystem without a token; the operator pod probes the connector pod's {@code /status};
 * a changed AppConnector reaches the running pod through the kubelet's update of the mounted ConfigMap; a deleted pod
 * is replaced; the Eviction API honours the operator's PodDisruptionBudget; a deleted operator pod's replacement takes
 * the Lease and reconciles without touching the connector pods; the kubelet reports both pods' memory; a device
 * registered as a Client object gets its file from the Client's status and, in wireguard-go, reaches only its group's
 * app, loses it on a group change and its handshake on deletion (docs/access.md). The "SaaS"
 * answering the egress check is socat at 198.18.199.1 in cluster-net.sh's namespace, answering the caller's address:
 * the node masquerades its pods' traffic towards that namespace to its own address, so that is the egress IP the pod
 * observes and the AppConnector declares.
 * Needs the node up ({@code test/cluster/node.sh up}); skipped without it unless {@code PINHOLE_REQUIRE_REAL_NODE=1}.
 * Tag {@code realnode}, left out of the default and e2e runs.
 */
@Tag("realnode")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealNodeE2ETest {
    /** A cold JVM on a busy 2-core machine, the image's first unpack and the kubelet's sync: generous. */
    private static final Duration WAIT = Duration.ofMinutes(5);
    private static final Duration CMD = Duration.ofMinutes(3);
    private static final String NAME = "saas";
    private static final String CLIENT = "laptop";
    /** The Client object registered in the connector's namespace (tests 10 to 12). */
    private static final String REGISTERED = "phone";
    /** A second app host on node.sh's internet, beside INET_IP (added and removed by {@link InternetApps}). */
    private static final String CODE_IP = "203.0.113.21";
    /**
     * A revocation's way to a running pod: the operator's reconcile, then the kubelet's update of the mounted
     * ConfigMap (its one-minute sync period plus the cache: 63-88 s measured), generous on a busy machine.
     */
    private static final Duration REVOKED = Duration.ofMinutes(3);
    private static final Path NODE_SH = Path.of("test", "cluster", "node.sh");
    private static final Pattern APPLIED = Pattern.compile(
            "^pinhole_connector_config_reloads_total\\{outcome=\"applied\"[^}]*} ([0-9.Ee+]+)$", Pattern.MULTILINE);

    private static final Pattern WIREGUARD_DROPS = Pattern.compile(
            "^pinhole_connector_drops_total\\{reason=\"wireguard\"[^}]*} ([0-9.Ee+]+)$", Pattern.MULTILINE);

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private static final Map<String, String> node = new HashMap<>();
    private static KubernetesClient client;
    private static String image;
    private static String ns;
    private static WhatIsMyIpServer saas;
    private static RealNode realNode;
    private static int saasPort;
    private static Path laptopKey;
    private static Path phoneKey;
    private static InternetApps apps;
    private static int tickPort;
    private static InClusterOperator operator;
    private static volatile String lastSeen;

    @BeforeAll
    static void start() throws Exception {
        realNode = RealNode.require(RealNodeE2ETest.class);
        node.put("NODE_NAME", realNode.nodeName());
        node.put("NODE_IP", realNode.nodeIp());
        node.put("OPERATOR_NETNS", realNode.operatorNetns());
        for (String key : List.of("ELASTIC_IP", "INET_NETNS", "INET_IP", "LAPTOP_NETNS", "LAPTOP_IP", "LAPTOP_WG")) {
            node.put(key, realNode.env(key));
        }
        image = realNode.image();
        client = E2ECluster.connect(RealNodeE2ETest.class);
        E2ECluster.installCrds(client);

        saasPort = ThreadLocalRandom.current().nextInt(20000, 30000);
        saas = startSaas(saasPort);
        tickPort = saasPort + 1;
        apps = InternetApps.start(node.get("INET_NETNS"), node.get("INET_IP"), CODE_IP, saasPort, tickPort);
        laptopKey = Files.createTempFile("pinhole-laptop", ".key");
        String laptopPublicKey = run("bash", "-c", "umask 077; wg genkey > " + laptopKey + "; wg pubkey < "
                + laptopKey).stdout().strip();

        ns = "e2e-realnode-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                .addToLabels("pod-security.kubernetes.io/enforce-version", "latest").endMetadata().build()).create();
        // The chart's operator pod (test/cluster/operator.sh), with the test's settings on its container (a rollout,
        // taken back at the end).
        operator = InClusterOperator.attach(client, realNode.operatorNamespace(), realNode.operatorDeployment(),
                Map.of("PINHOLE_OPERATOR_PROBE_CONNECTORS", "true",
                        "PINHOLE_OPERATOR_RECHECK_SECONDS", "2",
                        "PINHOLE_OPERATOR_REPORT_SECONDS", "2",
                        "PINHOLE_OPERATOR_PROBE_TIMEOUT_MILLIS", "5000",
                        // The SaaS stand-in listens on a benchmarking-range address: refused by default (issue 12).
                        "PINHOLE_OPERATOR_VERIFY_URL_ALLOW_INTERNAL", "true",
                        "QUARKUS_OPERATOR_SDK_NAMESPACES", ns));
        assertThat(operator.pod().getSpec().getNodeName()).isEqualTo(realNode.nodeName());

        AppConnector connector = TestObjects.connector(ns, NAME);
        connector.getSpec().setReplicas(1);
        connector.getSpec().getEgress().setElasticIP(node.get("ELASTIC_IP"));
        // The app on the internet, reached through the tunnel by address; the laptop's key made here.
        connector.getSpec().getRoutes().getCidrs().add(node.get("INET_IP") + "/32");
        connector.getSpec().setClients(new java.util.ArrayList<>(List.of(
                new AppConnectorSpec.Client(CLIENT, laptopPublicKey, "100.96.0.2/32"))));
        connector.getSpec().getEgress().getNatGateway().setNodeSelector(Map.of("pinhole.dev/egress", "nat-gateway",
                "kubernetes.io/hostname", node.get("NODE_NAME")));
        AppConnectorSpec.Verify verify = new AppConnectorSpec.Verify();
        verify.setUrl("http://" + node.get("INET_IP") + ":" + saasPort + "/ip");
        verify.setEnforce(true);
        connector.getSpec().getEgress().setVerify(verify);
        withTwoGroupsAndClientObjects(connector.getSpec());
        client.resource(connector).create();
    }

    /**
     * Two apps for two groups (crm for sales, code for eng, each by name and by route), names resolved by the DNS
     * server of {@link InternetApps}, and Client objects of the connector's own namespace admitted into either group.
     * The inline laptop keeps crm by name in its rule, so the tests before the registration see what they always did.
     */
    private static void withTwoGroupsAndClientObjects(AppConnectorSpec spec) {
        spec.getDomains().addAll(List.of(InternetApps.CRM, InternetApps.CODE));
        spec.getRoutes().getCidrs().add(CODE_IP + "/32");
        AppConnectorSpec.Dns dns = new AppConnectorSpec.Dns();
        dns.setUpstream(List.of(node.get("INET_IP")));
        spec.setDns(dns);
        ClientSource same = new ClientSource();
        same.setNamespaces(new ClientSource.Namespaces(ClientSource.Namespaces.From.Same));
        same.setAllowedGroups(List.of("sales", "eng"));
        spec.setClientSources(List.of(same));
        spec.setAccess(List.of(
                rule("crm", List.of("sales"), List.of(CLIENT), InternetApps.CRM, node.get("INET_IP") + "/32"),
                rule("code", List.of("eng"), null, InternetApps.CODE, CODE_IP + "/32")));
    }

    private static AppConnectorSpec.AccessRule rule(String name, List<String> groups, List<String> clients,
                                                    String domain, String cidr) {
        AppConnectorSpec.AccessRule rule = new AppConnectorSpec.AccessRule();
        rule.setName(name);
        rule.setGroups(groups);
        rule.setClients(clients);
        rule.setDomains(List.of(domain));
        AppConnectorSpec.AccessRoutes routes = new AppConnectorSpec.AccessRoutes();
        routes.setCidrs(List.of(cidr));
        rule.setRoutes(routes);
        return rule;
    }

    private static WhatIsMyIpServer startSaas(int port) throws IOException {
        return realNode.startWhatIsMyIp(port);
    }

    /** Every step runs whatever the others do (a pod log or script failing must not leave the namespace behind). */
    @AfterAll
    static void stop() throws Exception {
        CleanupSteps cleanup = new CleanupSteps();
        if (operator != null) {
            cleanup.run("print the operator's log", () -> {
                List<String> lines = realNode.podLog(operator.pod(), InClusterOperator.CONTAINER);
                System.out.println("operator log " + operator.logLocation() + " (last 20 lines):\n"
                        + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
            });
            cleanup.run("take the operator's settings back", operator::close);
        }
        if (realNode != null) {
            cleanup.run("node.sh laptop-down", () -> realNode.nodeSh("laptop-down"));
        }
        if (laptopKey != null) {
            cleanup.run("remove the laptop's key and config", () -> {
                Files.deleteIfExists(laptopKey);
                Files.deleteIfExists(Path.of(laptopKey + ".conf"));
            });
        }
        if (phoneKey != null) {
            cleanup.run("remove the phone's key and config", () -> {
                Files.deleteIfExists(phoneKey);
                Files.deleteIfExists(Path.of(phoneKey + ".conf"));
            });
        }
        if (saas != null) {
            cleanup.run("stop the SaaS stand-in", saas::close);
        }
        if (apps != null) {
            cleanup.run("stop the apps, their DNS and the second address", apps::close);
        }
        if (client != null) {
            if (ns != null) {
                cleanup.run("delete namespace " + ns, () -> client.namespaces().withName(ns).delete());
            }
            cleanup.run("close the client", client::close);
        }
        cleanup.rethrowFirst();
    }

    @Test
    @Order(1)
    void theConnectorPodIsAdmittedUnderRestrictedAndBecomesReadyOnTheRealNode() {
        long started = System.nanoTime();
        awaitConnector(c -> condition(c, "Ready").filter(x -> "True".equals(x.getStatus())).isPresent());
        Pod pod = connectorPod();
        System.out.printf("connector pod Ready on the real node %.1f s after the AppConnector's Ready wait began%n",
                (System.nanoTime() - started) / 1e9);
        assertThat(pod.getSpec().getNodeName()).isEqualTo(node.get("NODE_NAME"));
        assertThat(pod.getStatus().getPodIP()).startsWith("198.18.202.");
        ContainerStatus container = pod.getStatus().getContainerStatuses().get(0);
        assertThat(container.getReady()).isTrue();
        assertThat(container.getImage()).isEqualTo(image);
    }

    /** What the container really runs with, seen from inside it (an exec through the node's containerd). */
    @Test
    @Order(2)
    void theContainerRunsAs65532OnAReadOnlyRootWithoutAToken() {
        String out = execInConnector("id -u; id -g; "
                + "if touch /opt/pinhole/probe 2>/dev/null; then echo root-writable; else echo root-read-only; fi; "
                + "if touch /tmp/probe 2>/dev/null; then echo tmp-writable; fi; "
                + "if [ -e /var/run/secrets/kubernetes.io ]; then echo token; else echo no-token; fi; "
                + "tr '\\0' ' ' < /proc/1/cmdline; echo");
        List<String> lines = out.strip().lines().toList();
        assertThat(lines).as(out).hasSize(6);
        assertThat(lines.subList(0, 5)).containsExactly("65532", "65532", "root-read-only", "tmp-writable", "no-token");
        assertThat(lines.get(5)).contains("dev.pinhole.connector.ConnectorMain");
    }

    @Test
    @Order(3)
    void theOperatorProbesTheRealPodAndReportsItsObservedEgress() {
        AppConnector c = awaitConnector(x -> condition(x, "EgressVerified")
                .filter(e -> "True".equals(e.getStatus())).isPresent());
        Condition egress = condition(c, "EgressVerified").orElseThrow();
        assertThat(egress.getReason()).isEqualTo("Verified");
        assertThat(egress.getMessage()).isEqualTo("1 pods observe egress " + node.get("ELASTIC_IP"));
        assertThat(c.getStatus().getEgressIPs()).containsExactly(node.get("ELASTIC_IP"));
        assertThat(c.getStatus().getActiveFlows()).isZero();
    }

    /**
     * The node behind its NAT gateway: UDP 51820 on the elastic IP forwarded to the connector Service (node.sh expose,
     * which also gives the Service its load balancer address), the operator renders that endpoint into the client's
     * file, and a wireguard-go laptop with that file reaches the connector through it; the app on the internet sees
     * the laptop's own address directly and the elastic IP through the tunnel.
     */
    @Test
    @Order(4)
    void aWireGuardLaptopReachesTheConnectorThroughTheElasticIpAndTheAppSeesTheElasticIp() throws IOException {
        String service = client.services().inNamespace(ns).withLabel("pinhole.dev/connector", NAME).list()
                .getItems().get(0).getMetadata().getName();
        realNode.nodeSh("expose", ns, service);
        String endpoint = "Endpoint = " + node.get("ELASTIC_IP") + ":51820";
        String rendered = await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).alias("client file with " + endpoint)
                .until(() -> Optional.ofNullable(client.configMaps().inNamespace(ns).withName(NAME + "-clients").get())
                        .map(cm -> cm.getData().get(CLIENT + ".conf")).orElse(""), f -> f.contains(endpoint));
        String app = "http://" + node.get("INET_IP") + ":" + saasPort + "/ip";
        assertThat(curlFromLaptop(app)).as("the app, without the tunnel").isEqualTo(node.get("LAPTOP_IP"));

        Path conf = Path.of(laptopKey + ".conf");
        Files.writeString(conf, rendered.replaceFirst("(?m)^PrivateKey = .*$",
                "PrivateKey = " + Files.readString(laptopKey).strip()));
        long started = System.nanoTime();
        realNode.nodeSh("laptop", conf.toString());
        String seen = await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                .alias("the app through the tunnel").ignoreExceptions().until(() -> curlFromLaptop(app),
                        ip -> ip.equals(node.get("ELASTIC_IP")));
        System.out.printf("laptop up -> first answer through the tunnel after %.1f s%n",
                (System.nanoTime() - started) / 1e9);
        assertThat(seen).isEqualTo(node.get("ELASTIC_IP"));
        // The connector saw the laptop's own address: the forward and kube-proxy (externalTrafficPolicy Local) keep it.
        String status = run("ip", "netns", "exec", node.get("OPERATOR_NETNS"), "curl", "-fsS", "--max-time", "5",
                "http://" + connectorPod().getStatus().getPodIP() + ":9090/status").stdout();
        assertThat(status).contains(node.get("LAPTOP_IP"));
    }

    private static String curlFromLaptop(String url) {
        return run("ip", "netns", "exec", node.get("LAPTOP_NETNS"), "curl", "-fsS", "--max-time", "5", url)
                .stdout().strip();
    }

    /** A new domain reaches the running pod through the kubelet's ConfigMap volume update, without a restart. */
    @Test
    @Order(5)
    void aChangedSpecReachesTheRunningPodThroughTheConfigMapVolume() {
        Pod before = connectorPod();
        double applied = appliedReloads(before);
        long started = System.nanoTime();
        client.resources(AppConnector.class).inNamespace(ns).withName(NAME).edit(c -> {
            c.getSpec().getDomains().add("api.example.com");
            return c;
        });
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).alias("connector applied a new config")
                .until(() -> appliedReloads(before) > applied);
        System.out.printf("ConfigMap change applied by the running pod after %.1f s%n",
                (System.nanoTime() - started) / 1e9);
        assertThat(execInConnector("cat /etc/pinhole/config/connector.json")).contains("api.example.com");
        Pod after = connectorPod();
        assertThat(after.getMetadata().getUid()).isEqualTo(before.getMetadata().getUid());
        assertThat(after.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero();
    }

    @Test
    @Order(6)
    void aDeletedPodIsReplacedAndReadyAgain() {
        Pod before = connectorPod();
        long started = System.nanoTime();
        client.pods().inNamespace(ns).withName(before.getMetadata().getName()).delete();
        Pod replacement = await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).alias("a Ready replacement pod")
                .until(RealNodeE2ETest::connectorPods, pods -> pods.size() == 1
                        && !pods.get(0).getMetadata().getUid().equals(before.getMetadata().getUid())
                        && ready(pods.get(0))).get(0);
        System.out.printf("pod deleted -> replacement Ready after %.1f s%n", (System.nanoTime() - started) / 1e9);
        assertThat(replacement.getSpec().getNodeName()).isEqualTo(node.get("NODE_NAME"));
        awaitConnector(x -> condition(x, "EgressVerified").filter(e -> "True".equals(e.getStatus())).isPresent()
                && x.getStatus().getReadyReplicas() != null && x.getStatus().getReadyReplicas() == 1);
    }

    /** The connector's and the operator's memory as the kubelet reports it (/stats/summary), within their limits. */
    @Test
    @Order(7)
    void theKubeletReportsTheConnectorsAndTheOperatorsMemoryWithinTheirLimits() {
        assertMemoryWithinLimit("connector", connectorPod(), "connector");
        assertMemoryWithinLimit("operator", operator.pod(), InClusterOperator.CONTAINER);
    }

    private static void assertMemoryWithinLimit(String what, Pod pod, String container) {
        // The kubelet's stats lag a new container by a housekeeping interval or so.
        JsonNode memory = await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(2))
                .alias(what + " container in the kubelet's summary").until(() -> realNode.containerMemory(
                        pod.getMetadata().getNamespace(), pod.getMetadata().getName(), container),
                        m -> m.isPresent() && m.get().path("rssBytes").asLong() > 0).orElseThrow();
        long rss = memory.path("rssBytes").asLong();
        long workingSet = memory.path("workingSetBytes").asLong();
        long limit = io.fabric8.kubernetes.api.model.Quantity.getAmountInBytes(pod.getSpec().getContainers().stream()
                .filter(c -> container.equals(c.getName())).findFirst().orElseThrow()
                .getResources().getLimits().get("memory")).longValue();
        System.out.printf("%s memory (kubelet): rss %.1f MiB, working set %.1f MiB, limit %.0f MiB%n",
                what, rss / 1048576.0, workingSet / 1048576.0, limit / 1048576.0);
        assertThat(rss).isPositive().isLessThan(limit);
        assertThat(workingSet).isPositive().isLessThan(limit);
    }

    /**
     * The PodDisruptionBudget the operator writes, as the API server's Eviction API applies it: with two Ready pods
     * one eviction is allowed, the next one (while its replacement is not Ready) is refused, and once both are Ready
     * again the other pod can go too.
     */
    @Test
    @Order(8)
    void anEvictionThatWouldBreakTheBudgetIsRefusedAndOneThatWouldNotIsAllowed() {
        client.resources(AppConnector.class).inNamespace(ns).withName(NAME).edit(c -> {
            c.getSpec().setReplicas(2);
            return c;
        });
        List<Pod> two = awaitReadyPods(2);
        await().atMost(WAIT).alias("PDB allows one disruption").until(() -> client.policy().v1()
                .podDisruptionBudget().inNamespace(ns).list().getItems(), pdbs -> pdbs.size() == 1
                && pdbs.get(0).getStatus() != null && pdbs.get(0).getStatus().getDisruptionsAllowed() == 1);

        assertThat(evict(two.get(0))).as("first eviction (the budget allows one pod down)").isTrue();
        assertThat(evict(two.get(1))).as("second eviction while the first pod's replacement is not Ready").isFalse();
        assertThat(client.pods().inNamespace(ns).withName(two.get(1).getMetadata().getName()).get()
                .getMetadata().getDeletionTimestamp()).as("the pod the budget kept").isNull();

        List<Pod> again = awaitReadyPods(2);
        assertThat(again).extracting(x -> x.getMetadata().getUid()).contains(two.get(1).getMetadata().getUid())
                .doesNotContain(two.get(0).getMetadata().getUid());
        await().atMost(WAIT).alias("PDB allows one disruption again").until(() -> client.policy().v1()
                .podDisruptionBudget().inNamespace(ns).list().getItems().get(0).getStatus().getDisruptionsAllowed(),
                n -> n == 1);
        assertThat(evict(two.get(1))).as("the kept pod, once the budget allows it").isTrue();
        awaitReadyPods(2);
    }

    /**
     * The operator's pod deleted: its replacement takes the leader-election Lease and reconciles (a spec change made
     * after it reaches the connector's ConfigMap and status), and the connector pods keep running untouched.
     */
    @Test
    @Order(9)
    void aRestartedOperatorPodTakesTheLeaseAndReconcilesWithoutRestartingConnectorPods() {
        List<Pod> before = awaitReadyPods(2);
        String oldOperator = operator.pod().getMetadata().getName();
        long started = System.nanoTime();
        operator.restart(client);
        String newOperator = operator.pod().getMetadata().getName();
        assertThat(newOperator).isNotEqualTo(oldOperator);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).alias("Lease held by " + newOperator)
                .until(() -> client.leases().inNamespace(realNode.operatorNamespace()).list().getItems().stream()
                        .anyMatch(l -> newOperator.equals(l.getSpec().getHolderIdentity())));
        System.out.printf("operator pod deleted -> new pod Ready and holding the Lease after %.1f s%n",
                (System.nanoTime() - started) / 1e9);

        client.resources(AppConnector.class).inNamespace(ns).withName(NAME).edit(c -> {
            c.getSpec().getDomains().add("after-restart.example.com");
            return c;
        });
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).alias("ConfigMap with the new domain")
                .until(() -> client.configMaps().inNamespace(ns).withLabel("pinhole.dev/connector", NAME).list()
                        .getItems().stream().anyMatch(cm -> cm.getData() != null && cm.getData().values().stream()
                                .anyMatch(v -> v.contains("after-restart.example.com"))));
        awaitConnector(x -> x.getStatus().getObservedGeneration() != null
                && x.getStatus().getObservedGeneration().equals(x.getMetadata().getGeneration())
                && condition(x, "Ready").filter(r -> "True".equals(r.getStatus())).isPresent());

        List<Pod> after = awaitReadyPods(2);
        assertThat(after).extracting(p -> p.getMetadata().getUid())
                .containsExactlyInAnyOrderElementsOf(before.stream().map(p -> p.getMetadata().getUid()).toList());
        assertThat(after).allSatisfy(p -> assertThat(p.getStatus().getContainerStatuses().get(0).getRestartCount())
                .isZero());
    }

    /**
     * The registration path (docs/access.md): a user registers a device as a Client object and nothing else; the
     * operator admits it into sales, writes its wg-quick file into the Client's status and its key into the config
     * the running pods get through the kubelet; a wireguard-go laptop brought up from exactly that file (its private
     * key filled in) reaches crm by name through the connector's DNS and by route, and is refused code both ways.
     * The AppConnector's spec is never written (its status is, so its resourceVersion moves: the generation is what
     * says nobody touched the spec).
     */
    @Test
    @Order(10)
    void aRegisteredClientObjectGetsItsConfigAndReachesOnlyItsGroupsAppWithoutTouchingTheAppConnector()
            throws IOException {
        AppConnector before = client.resources(AppConnector.class).inNamespace(ns).withName(NAME).get();
        phoneKey = Files.createTempFile("pinhole-phone", ".key");
        String publicKey = run("bash", "-c", "umask 077; wg genkey > " + phoneKey + "; wg pubkey < " + phoneKey)
                .stdout().strip();
        Client phone = new Client();
        phone.getMetadata().setName(REGISTERED);
        phone.getMetadata().setNamespace(ns);
        ClientSpec spec = new ClientSpec();
        spec.setPublicKey(publicKey);
        spec.setGroups(List.of("sales"));
        phone.setSpec(spec);
        long started = System.nanoTime();
        client.resource(phone).create();

        String endpoint = "Endpoint = " + node.get("ELASTIC_IP") + ":51820";
        ClientConnectorStatus entry = awaitRegistered(e -> e.getConfig() != null && e.getConfig().contains(endpoint));
        System.out.printf("Client created -> admitted with its file in its status after %.1f s%n",
                (System.nanoTime() - started) / 1e9);
        assertThat(entry.getGroups()).containsExactly("sales");
        assertThat(entry.getConfig()).contains("Address = " + entry.getAddress(), "DNS = 100.96.0.1")
                .doesNotContain("PrivateKey = " + Files.readString(phoneKey).strip());
        Path conf = Path.of(phoneKey + ".conf");
        Files.writeString(conf, entry.getConfig().replaceFirst("(?m)^PrivateKey = .*$",
                "PrivateKey = " + Files.readString(phoneKey).strip()));
        realNode.nodeSh("laptop", conf.toString());  // replaces the inline laptop's wireguard-go

        String crm = "http://" + InternetApps.CRM + ":" + saasPort + "/ip";
        String seen = await().atMost(REVOKED).pollInterval(Duration.ofSeconds(1))
                .alias("crm by name through the tunnel").ignoreExceptions().until(() -> curlFromLaptop(crm),
                        ip -> ip.equals(node.get("ELASTIC_IP")));
        System.out.printf("Client created -> its first answer from crm through the tunnel after %.1f s%n",
                (System.nanoTime() - started) / 1e9);
        assertThat(seen).isEqualTo(node.get("ELASTIC_IP"));
        assertThat(curlFromLaptop("http://" + node.get("INET_IP") + ":" + saasPort + "/ip")).as("crm by route")
                .isEqualTo(node.get("ELASTIC_IP"));
        assertThat(curlExitFromLaptop("http://" + InternetApps.CODE + ":" + saasPort + "/ip"))
                .as("code by name: REFUSED by the connector's DNS").isEqualTo(6);
        assertThat(curlExitFromLaptop("http://" + CODE_IP + ":" + saasPort + "/ip"))
                .as("code by route: refused (reset or dropped), never answered").isIn(7, 28);

        AppConnector after = client.resources(AppConnector.class).inNamespace(ns).withName(NAME).get();
        assertThat(after.getMetadata().getGeneration()).isEqualTo(before.getMetadata().getGeneration());
        assertThat(after.getSpec().getClients()).extracting(AppConnectorSpec.Client::getName).containsExactly(CLIENT);
    }

    /**
     * The Client moved from sales to eng: its open stream from crm (a tick a second) is cut and crm's name is refused,
     * within the bound of a config's way to the running pods, while code now answers; no pod restarts for it.
     */
    @Test
    @Order(11)
    void aGroupChangeOnTheClientObjectEndsItsOpenFlowAndRefusesTheNextRequest() throws Exception {
        List<Pod> pods = awaitReadyPods(2);
        Path ticks = Files.createTempFile("pinhole-ticks", ".log");
        Process stream = new ProcessBuilder("ip", "netns", "exec", node.get("LAPTOP_NETNS"), "timeout",
                String.valueOf(WAIT.toSeconds()), "socat", "-u", "TCP4:" + InternetApps.CRM + ":" + tickPort, "-")
                .redirectErrorStream(true).redirectOutput(ticks.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(30)).alias("ticks from crm through the tunnel")
                    .until(() -> Files.readString(ticks).contains("tick\ntick\n"));
            long changed = System.nanoTime();
            client.resources(Client.class).inNamespace(ns).withName(REGISTERED).edit(c -> {
                c.getSpec().setGroups(List.of("eng"));
                return c;
            });

            assertThat(stream.waitFor(REVOKED.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
                    .as("the open flow ended within %s", REVOKED).isTrue();
            double endedSeconds = (System.nanoTime() - changed) / 1e9;
            System.out.printf("group change on the Client -> its open flow from crm cut after %.1f s%n",
                    endedSeconds);
            assertThat(stream.exitValue()).as("socat's exit (124: its own timeout)").isNotEqualTo(124);
        } finally {
            stream.descendants().forEach(ProcessHandle::destroyForcibly);
            stream.destroyForcibly();
            Files.deleteIfExists(ticks);
        }
        assertThat(curlExitFromLaptop("http://" + InternetApps.CRM + ":" + saasPort + "/ip"))
                .as("crm by name after the change").isEqualTo(6);
        assertThat(curlExitFromLaptop("http://" + node.get("INET_IP") + ":" + saasPort + "/ip"))
                .as("crm by route after the change").isIn(7, 28);
        String code = "http://" + InternetApps.CODE + ":" + saasPort + "/ip";
        assertThat(await().atMost(REVOKED).pollInterval(Duration.ofSeconds(1)).alias("code by name, now granted")
                .ignoreExceptions().until(() -> curlFromLaptop(code), ip -> ip.equals(node.get("ELASTIC_IP"))))
                .isEqualTo(node.get("ELASTIC_IP"));
        assertThat(entry(client.resources(Client.class).inNamespace(ns).withName(REGISTERED).get()).getGroups())
                .containsExactly("eng");
        List<Pod> after = awaitReadyPods(2);
        assertThat(after).extracting(p -> p.getMetadata().getUid())
                .containsExactlyInAnyOrderElementsOf(pods.stream().map(p -> p.getMetadata().getUid()).toList());
        assertThat(after).allSatisfy(p -> assertThat(p.getStatus().getContainerStatuses().get(0).getRestartCount())
                .isZero());
    }

    /**
     * The Client deleted: once both pods run the config without it, a fresh wireguard-go with the very same file
     * gets no handshake (the pods count its initiations as WireGuard drops) and no answer.
     */
    @Test
    @Order(12)
    void aDeletedClientObjectsHandshakeIsNoLongerAccepted() throws IOException {
        List<Pod> pods = awaitReadyPods(2);
        String publicKey = client.resources(Client.class).inNamespace(ns).withName(REGISTERED).get().getSpec()
                .getPublicKey();
        assertThat(pods).as("clients each pod has in force: the inline laptop and the Client")
                .allSatisfy(p -> assertThat(configuredClients(p)).isEqualTo(2));
        long deleted = System.nanoTime();
        client.resources(Client.class).inNamespace(ns).withName(REGISTERED).delete();

        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).alias("config maps without the deleted key")
                .until(() -> client.configMaps().inNamespace(ns).withLabel("pinhole.dev/connector", NAME).list()
                        .getItems().stream().noneMatch(cm -> cm.getData() != null && cm.getData().values().stream()
                                .anyMatch(v -> v.contains(publicKey))));
        await().atMost(REVOKED).pollInterval(Duration.ofSeconds(1)).alias("both pods run the config without it")
                .until(() -> pods.stream().allMatch(p -> configuredClients(p) == 1));
        System.out.printf("Client deleted -> both pods run the config without it after %.1f s%n",
                (System.nanoTime() - deleted) / 1e9);
        double drops = pods.stream().mapToDouble(RealNodeE2ETest::wireGuardDrops).sum();

        realNode.nodeSh("laptop", Path.of(phoneKey + ".conf").toString());  // fresh: its first packet initiates
        assertThat(curlExitFromLaptop("http://" + node.get("INET_IP") + ":" + saasPort + "/ip")).isNotZero();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .alias("the pods drop the deleted client's initiation")
                .until(() -> pods.stream().mapToDouble(RealNodeE2ETest::wireGuardDrops).sum() > drops);
        assertThat(run("ip", "netns", "exec", node.get("LAPTOP_NETNS"), "wg", "show", node.get("LAPTOP_WG"),
                "latest-handshakes").stdout().strip()).as("the laptop's handshake time").endsWith("\t0");
    }

    private static ClientConnectorStatus entry(Client c) {
        return c.getStatus().getConnectors().stream().filter(e -> e.isFor(ns, NAME)).findFirst().orElseThrow();
    }

    private static ClientConnectorStatus awaitRegistered(Predicate<ClientConnectorStatus> until) {
        return entry(await().atMost(WAIT).pollInterval(Duration.ofSeconds(1))
                .alias("Client " + REGISTERED + " admitted")
                .until(() -> client.resources(Client.class).inNamespace(ns).withName(REGISTERED).get(),
                        c -> c != null && c.getStatus() != null && c.getStatus().getConnectors().stream()
                                .anyMatch(e -> e.isFor(ns, NAME) && Boolean.TRUE.equals(e.getAdmitted())
                                        && until.test(e))));
    }

    /** curl's exit code from the laptop (0 answered, 6 name not resolved, 7 refused, 28 timed out). */
    private static int curlExitFromLaptop(String url) {
        return NetnsTopology.run(Map.of(), CMD, "ip", "netns", "exec", node.get("LAPTOP_NETNS"), "curl", "-fsS",
                "--max-time", "5", url).exitCode();
    }

    /** How many clients the pod's config in force has ({@code /status} {@code clients}). */
    private static int configuredClients(Pod pod) {
        try {
            return JSON.readTree(realNode.podHttp(pod.getStatus().getPodIP(), 9090, "/status")).path("clients")
                    .asInt(-1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The pod's {@code pinhole_connector_drops_total{reason="wireguard"}}. */
    private static double wireGuardDrops(Pod pod) {
        String metrics = realNode.podHttp(pod.getStatus().getPodIP(), 9090, "/metrics");
        Matcher m = WIREGUARD_DROPS.matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /**
     * Whether the Eviction API accepted the eviction (false: 429, the budget refused it). Through a client that
     * does not retry: the default one retries a 429 with backoff until the budget allows it, which hides a refusal.
     */
    private static boolean evict(Pod pod) {
        Config once = new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build();
        try (KubernetesClient noRetry = new KubernetesClientBuilder().withConfig(once).build()) {
            return noRetry.pods().inNamespace(ns).withName(pod.getMetadata().getName()).evict();
        }
    }

    private static List<Pod> awaitReadyPods(int count) {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).alias(count + " Ready connector pods")
                .until(RealNodeE2ETest::connectorPods, pods -> pods.size() == count
                        && pods.stream().allMatch(RealNodeE2ETest::ready));
    }

    @org.junit.jupiter.api.AfterEach
    void report() {
        if (lastSeen != null) {
            System.out.println("last seen: " + lastSeen);
        }
    }

    /** The connector's reload counter, read from its /metrics at the pod address (from the operator's namespace). */
    private static double appliedReloads(Pod pod) {
        String metrics = run("ip", "netns", "exec", node.get("OPERATOR_NETNS"), "curl", "-fsS", "--max-time", "5",
                "http://" + pod.getStatus().getPodIP() + ":9090/metrics").stdout();
        Matcher m = APPLIED.matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static String execInConnector(String script) {
        Pod pod = connectorPod();
        String id = pod.getStatus().getContainerStatuses().get(0).getContainerID().replaceFirst("^containerd://", "");
        return run("bash", NODE_SH.toString(), "ctr", "tasks", "exec", "--exec-id",
                "e2e-" + UUID.randomUUID().toString().substring(0, 8), id, "sh", "-c", script).stdout();
    }

    private static List<Pod> connectorPods() {
        return client.pods().inNamespace(ns).withLabel("pinhole.dev/connector", NAME).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
    }

    private static Pod connectorPod() {
        return await().atMost(WAIT).until(RealNodeE2ETest::connectorPods,
                pods -> pods.size() == 1 && ready(pods.get(0))).get(0);
    }

    private static boolean ready(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getPodIP() != null && pod.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static CommandResult run(String... command) {
        return run(CMD, command);
    }

    private static CommandResult run(Duration timeout, String... command) {
        CommandResult result = NetnsTopology.run(Map.of(), timeout, command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(result.toString());
        }
        return result;
    }

    private static AppConnector awaitConnector(Predicate<AppConnector> until) {
        return await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).alias("AppConnector " + NAME + " status")
                .failFast("the operator exited (log: " + operator.logLocation() + ")", () -> !operator.isAlive())
                .until(() -> {
                    AppConnector c = client.resources(AppConnector.class).inNamespace(ns).withName(NAME).get();
                    lastSeen = ConnectorStatusPoll.describe(c);
                    return c;
                }, c -> c != null && c.getStatus() != null && until.test(c));
    }

    private static Optional<Condition> condition(AppConnector c, String type) {
        return ConnectorStatusPoll.condition(c, type);
    }
}
