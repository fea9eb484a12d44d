package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * On Kind, where connector pods really run: the in-cluster operator (probing on, as installed) reads the connector
 * pod's {@code /status} at its pod address into {@code EgressVerified}. The "SaaS" is nginx on the host network of
 * the plain worker answering {@code /ip} with the caller's address; the connector pod is pinned to one NAT-gateway
 * node, and the pod network (kindnet) masquerades traffic that leaves the pod network to that node's address, so the
 * egress IP the SaaS sees, and the AppConnector's {@code elasticIP}, is the NAT-gateway node's InternalIP. The
 * connector enforces the check, so Ready itself depends on it. Not covered here: flows and names (no WireGuard client
 * exists in Kind) and the Unknown state before a connector answers (a real pod answers as soon as it is Ready).
 * <p>On test/cluster's real node (tag {@code realnode}, {@link RealNode}): the chart's operator pod on that node, the
 * connector pinned to it, and the "SaaS" socat on the node's internet behind its NAT gateway, so the egress IP is the
 * elastic IP 203.0.113.10; the pod's {@code /status} is read at its address from cluster-net.sh's namespace (the API
 * server there cannot proxy to the node). Skipped on test/cluster's kwok nodes (they run no pod processes;
 * {@link OperatorProbeE2ETest} covers that cluster with a connector process in a network namespace).
 */
@Tag("e2e")
@Tag("realnode")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorProbeInClusterE2ETest {
    private static final Duration WAIT = E2ECluster.WAIT;
    /**
     * For what the connector must reload: a real kubelet updates a mounted ConfigMap after its sync period plus its
     * cache TTL (about a minute or more), and a verified connector re-checks its egress every 60 s.
     */
    private static final Duration RELOAD_WAIT = Duration.ofMinutes(5);
    private static final String NAME = "saas";
    private static final String EGRESS_LABEL = "pinhole.dev/egress";
    private static final int CONNECTOR_HTTP_PORT = 9090;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static KubernetesClient client;
    private static InClusterOperator operator;
    private static String ns;
    private static Node natGateway;
    private static String egressIp;
    private static volatile String lastSeen;
    /** Set on test/cluster's real node, null on Kind. */
    private static RealNode realNode;
    private static WhatIsMyIpServer saas;

    @BeforeAll
    static void start() throws Exception {
        if (!OperatorUnderTest.inCluster()) {
            // test/cluster: only its real node runs pods (skips without it, as the realnode tests do).
            realNode = RealNode.require(OperatorProbeInClusterE2ETest.class);
        }
        client = E2ECluster.connect(OperatorProbeInClusterE2ETest.class);
        E2ECluster.installCrds(client);
        ns = E2ECluster.createNamespace(client, "e2e-probe");
        int saasPort = ThreadLocalRandom.current().nextInt(20000, 30000);
        String verifyUrl;
        if (realNode == null) {
            List<Node> nodes = client.nodes().list().getItems();
            natGateway = nodes.stream().filter(n -> "nat-gateway".equals(label(n, EGRESS_LABEL)))
                    .min(Comparator.comparing(n -> n.getMetadata().getName())).orElseThrow(() ->
                            new IllegalStateException("no node labelled " + EGRESS_LABEL + "=nat-gateway"));
            Node saasNode = nodes.stream().filter(n -> label(n, EGRESS_LABEL) == null
                            && label(n, "node-role.kubernetes.io/control-plane") == null)
                    .min(Comparator.comparing(n -> n.getMetadata().getName())).orElseThrow(() ->
                            new IllegalStateException("no plain worker node for the SaaS stand-in"));
            egressIp = internalIp(natGateway);
            startSaas(saasNode, saasPort);
            verifyUrl = "http://" + internalIp(saasNode) + ":" + saasPort + "/ip";
        } else {
            natGateway = client.nodes().withName(realNode.nodeName()).get();
            egressIp = realNode.env("ELASTIC_IP");
            saas = realNode.startWhatIsMyIp(saasPort);
            verifyUrl = "http://" + realNode.env("INET_IP") + ":" + saasPort + "/ip";
        }

        // Probing on (the chart's default), only this namespace, a recheck every 2 s, a generous probe timeout.
        Map<String, String> settings = Map.of(
                "PINHOLE_OPERATOR_PROBE_CONNECTORS", "true",
                "PINHOLE_OPERATOR_RECHECK_SECONDS", "2",
                "PINHOLE_OPERATOR_REPORT_SECONDS", "2",
                "PINHOLE_OPERATOR_PROBE_TIMEOUT_MILLIS", "5000",
                // The "SaaS" answering the egress check sits on a private or documentation address: the admin
                // setting that allows such verify URLs (refused by default, issue 12).
                "PINHOLE_OPERATOR_VERIFY_URL_ALLOW_INTERNAL", "true",
                "QUARKUS_OPERATOR_SDK_NAMESPACES", ns);
        operator = realNode == null ? InClusterOperator.attach(client, settings) : InClusterOperator.attach(client,
                realNode.operatorNamespace(), realNode.operatorDeployment(), settings);

        AppConnector connector = TestObjects.connector(ns, NAME);
        connector.getSpec().setReplicas(1);
        connector.getSpec().getEgress().setElasticIP(egressIp);
        connector.getSpec().getEgress().getNatGateway().setNodeSelector(Map.of(EGRESS_LABEL, "nat-gateway",
                "kubernetes.io/hostname", natGateway.getMetadata().getName()));
        AppConnectorSpec.Verify verify = new AppConnectorSpec.Verify();
        verify.setUrl(verifyUrl);
        verify.setEnforce(true);
        connector.getSpec().getEgress().setVerify(verify);
        client.resource(connector).create();
    }

    /** nginx on the host network of {@code node}: {@code GET /ip} answers the caller's address, as the netns SaaS. */
    private static void startSaas(Node node, int port) {
        String image = Optional.ofNullable(System.getenv("PINHOLE_E2E_SAAS_IMAGE")).filter(s -> !s.isBlank())
                .orElse("nginx:1.27-alpine");
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("saas-nginx")
                .endMetadata().addToData("default.conf", """
                        server {
                            listen %d;
                            location = /ip { default_type text/plain; return 200 "$remote_addr\\n"; }
                        }
                        """.formatted(port)).build()).create();
        client.apps().deployments().inNamespace(ns).resource(new DeploymentBuilder()
                .withNewMetadata().withName("saas-nginx").endMetadata()
                .withNewSpec().withReplicas(1)
                .withNewSelector().addToMatchLabels("app", "saas-nginx").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "saas-nginx").endMetadata()
                .withNewSpec().withHostNetwork(true)
                .withNodeSelector(Map.of("kubernetes.io/hostname", node.getMetadata().getName()))
                .addNewContainer().withName("nginx").withImage(image).withImagePullPolicy("IfNotPresent")
                .addNewVolumeMount().withName("conf").withMountPath("/etc/nginx/conf.d").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("conf").withNewConfigMap().withName("saas-nginx").endConfigMap().endVolume()
                .endSpec().endTemplate().endSpec().build()).create();
        await().atMost(WAIT).alias("SaaS stand-in (nginx " + image + ") ready").until(() -> client.apps()
                .deployments().inNamespace(ns).withName("saas-nginx").get().getStatus().getReadyReplicas(),
                r -> r != null && r == 1);
    }

    @AfterAll
    static void stop() throws Exception {
        CleanupSteps cleanup = new CleanupSteps();
        if (saas != null) {
            cleanup.run("stop the SaaS stand-in", saas::close);
        }
        cleanup.run("operator, namespace and client", () -> E2ECluster.tearDown(client, ns, operator));
        cleanup.rethrowFirst();
    }

    @Test
    @Order(1)
    void theConnectorPodRunsOnItsNatGatewayNode() {
        AppConnector ready = awaitConnector(c -> condition(c, "Ready").filter(x -> "True".equals(x.getStatus()))
                .isPresent());
        assertThat(ready.getStatus().getReadyReplicas()).isEqualTo(1);
        Pod pod = connectorPod();
        assertThat(pod.getSpec().getNodeName()).isEqualTo(natGateway.getMetadata().getName());
        assertThat(pod.getStatus().getPodIP()).isNotBlank();
    }

    @Test
    @Order(2)
    void egressIsVerifiedFromWhatTheRunningConnectorObserves() throws IOException {
        AppConnector c = awaitConnector(x -> condition(x, "EgressVerified")
                .filter(e -> "True".equals(e.getStatus())).isPresent());

        Condition egress = condition(c, "EgressVerified").orElseThrow();
        assertThat(egress.getReason()).isEqualTo("Verified");
        assertThat(egress.getMessage()).isEqualTo("1 pods observe egress " + egressIp);
        assertThat(c.getStatus().getEgressIPs()).containsExactly(egressIp);
        assertThat(connectorStatus().path("observedEgressIP").asText()).isEqualTo(egressIp);
    }

    /**
     * The operator compares what the pods observe with the spec at once. Enforcement is switched off in the same
     * edit, so once the connector reloads it the pod stays Ready and keeps reporting (the operator reads Ready pods
     * only; on test/cluster kwok keeps pods Ready whatever /readyz says, so OperatorProbeE2ETest can leave it on).
     */
    @Test
    @Order(3)
    void aDeclaredElasticIpThePodsDoNotObserveIsAMismatch() {
        client.resources(AppConnector.class).inNamespace(ns).withName(NAME).edit(c -> {
            c.getSpec().getEgress().setElasticIP("203.0.113.99");
            c.getSpec().getEgress().getVerify().setEnforce(false);
            return c;
        });

        AppConnector c = awaitConnector(x -> condition(x, "EgressVerified")
                .filter(e -> "False".equals(e.getStatus())).isPresent());

        Condition egress = condition(c, "EgressVerified").orElseThrow();
        assertThat(egress.getReason()).isEqualTo("Mismatch");
        assertThat(egress.getMessage()).isEqualTo("pods observe egress " + egressIp + ", expected 203.0.113.99");
        assertThat(c.getStatus().getEgressIPs()).containsExactly(egressIp);
    }

    /** Fail closed: enforced again with the wrong elastic IP, the connector's readiness gate takes its pod out. */
    @Test
    @Order(4)
    void anEnforcedMismatchTakesTheConnectorPodOutOfService() {
        client.resources(AppConnector.class).inNamespace(ns).withName(NAME).edit(c -> {
            c.getSpec().getEgress().getVerify().setEnforce(true);
            return c;
        });

        await().atMost(RELOAD_WAIT).alias("connector pod NotReady").until(() -> client.pods().inNamespace(ns)
                .withLabel("pinhole.dev/connector", NAME).list().getItems(), pods -> !pods.isEmpty()
                && pods.stream().allMatch(p -> p.getStatus().getConditions().stream()
                        .anyMatch(x -> "Ready".equals(x.getType()) && "False".equals(x.getStatus()))));
    }

    @org.junit.jupiter.api.AfterEach
    void report() {
        if (lastSeen != null) {
            System.out.println("last seen: " + lastSeen);
        }
    }

    private static Pod connectorPod() {
        return await().atMost(WAIT).until(() -> client.pods().inNamespace(ns)
                        .withLabel("pinhole.dev/connector", NAME).list().getItems(),
                pods -> pods.size() == 1 && pods.get(0).getStatus().getPodIP() != null).get(0);
    }

    /** The connector's own /status, through the API server's pod proxy (on the real node: at the pod's address). */
    private static JsonNode connectorStatus() throws IOException {
        if (realNode != null) {
            return JSON.readTree(realNode.podHttp(connectorPod().getStatus().getPodIP(), CONNECTOR_HTTP_PORT,
                    "/status"));
        }
        String url = client.getMasterUrl().toString().replaceAll("/+$", "") + "/api/v1/namespaces/" + ns + "/pods/"
                + connectorPod().getMetadata().getName() + ":" + CONNECTOR_HTTP_PORT + "/proxy/status";
        String body = client.raw(url);
        assertThat(body).as("connector /status through " + url).isNotNull();
        return JSON.readTree(body);
    }

    private static AppConnector awaitConnector(Predicate<AppConnector> until) {
        return ConnectorStatusPoll.await(client, ns, NAME, until, seen -> lastSeen = seen);
    }

    private static Optional<Condition> condition(AppConnector c, String type) {
        return ConnectorStatusPoll.condition(c, type);
    }

    private static String label(Node n, String key) {
        return n.getMetadata().getLabels() == null ? null : n.getMetadata().getLabels().get(key);
    }

    private static String internalIp(Node n) {
        return n.getStatus().getAddresses().stream().filter(a -> "InternalIP".equals(a.getType()))
                .map(NodeAddress::getAddress).filter(a -> !a.contains(":")).findFirst()
                .orElseThrow(() -> new IllegalStateException("node " + n.getMetadata().getName()
                        + " has no IPv4 InternalIP"));
    }
}
