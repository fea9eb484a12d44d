package dev.pinhole.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.ObjectReference;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The AppConnector reconciler against an API server in the test JVM (Fabric8 mock, CRUD mode). The mock runs no
 * controllers: Deployment status is written by the test, as the Deployment controller would.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class AppConnectorReconcilerTest {
    static final String NS = "team-a";

    @Inject
    KubernetesClient client;

    /** Edits like a user would: on a conflict with the operator's status write, re-read and retry. */
    private void edit(String name, java.util.function.UnaryOperator<AppConnector> change) {
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            client.resources(AppConnector.class).inNamespace(NS).withName(name).edit(change);
            return true;
        });
    }

    private AppConnector create(String name) {
        return client.resource(TestObjects.connector(NS, name)).create();
    }

    private <T extends HasMetadata> T awaitChild(Class<T> type, String name) {
        return await().atMost(Duration.ofSeconds(60)).until(
                () -> client.resources(type).inNamespace(NS).withName(name).get(), o -> o != null);
    }

    private AppConnector awaitStatus(String name, java.util.function.Predicate<AppConnector> until) {
        return await().atMost(Duration.ofSeconds(60)).until(
                () -> client.resources(AppConnector.class).inNamespace(NS).withName(name).get(),
                c -> c != null && c.getStatus() != null && until.test(c));
    }

    private static Optional<Condition> condition(AppConnector c, String type) {
        return c.getStatus().getConditions().stream().filter(x -> type.equals(x.getType())).findFirst();
    }

    @Test
    void createsEveryChildOwnedByTheConnector() {
        AppConnector c = create("github");
        Deployment deployment = awaitChild(Deployment.class, "github");
        Service service = awaitChild(Service.class, "github");
        Secret key = awaitChild(Secret.class, "github-key");
        ConfigMap config = awaitChild(ConfigMap.class, "github-config");
        ConfigMap clients = awaitChild(ConfigMap.class, "github-clients");
        NetworkPolicy policy = awaitChild(NetworkPolicy.class, "github");
        PodDisruptionBudget pdb = awaitChild(PodDisruptionBudget.class, "github");

        for (HasMetadata child : List.of(deployment, service, key, config, clients, policy, pdb)) {
            assertThat(child.getMetadata().getOwnerReferences()).as(child.getKind()).singleElement()
                    .satisfies(ref -> {
                        assertThat(ref.getUid()).isEqualTo(c.getMetadata().getUid());
                        assertThat(ref.getController()).isTrue();
                        assertThat(ref.getKind()).isEqualTo("AppConnector");
                    });
        }
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        assertThat(service.getSpec().getType()).isEqualTo("LoadBalancer");
        assertThat(service.getSpec().getPorts()).singleElement()
                .satisfies(p -> assertThat(p.getProtocol()).isEqualTo("UDP"));
        assertThat(key.getData()).containsKey("privateKey");
    }

    @Test
    void rendersTheConnectorConfigFromTheSpec() throws Exception {
        create("render");
        ConfigMap config = awaitChild(ConfigMap.class, "render-config");
        ConnectorConfig parsed = ConnectorConfigCodec.read(config.getData().get("connector.json"));
        assertThat(parsed.format()).isEqualTo(ConnectorConfig.FORMAT);
        assertThat(parsed.domains()).containsExactly("github.com", "*.github.com");
        assertThat(parsed.routes()).containsExactly("140.82.112.0/20");
        assertThat(parsed.clients()).singleElement().satisfies(cl -> {
            assertThat(cl.publicKey()).isEqualTo(TestObjects.KEY_1);
            assertThat(cl.address()).isEqualTo("100.96.0.2/32");
        });
        assertThat(parsed.egress().elasticIP()).isEqualTo("203.0.113.10");
    }

    @Test
    void pinsPodsToTheNatGatewayNodes() {
        create("pinned");
        Deployment deployment = awaitChild(Deployment.class, "pinned");
        var pod = deployment.getSpec().getTemplate().getSpec();
        var terms = pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms();
        assertThat(terms).singleElement().satisfies(t -> assertThat(t.getMatchExpressions()).singleElement()
                .satisfies(e -> {
                    assertThat(e.getKey()).isEqualTo("pinhole.dev/egress");
                    assertThat(e.getOperator()).isEqualTo("In");
                    assertThat(e.getValues()).containsExactly("nat-gateway");
                }));
        assertThat(pod.getTolerations()).singleElement()
                .satisfies(t -> assertThat(t.getEffect()).isEqualTo("NoSchedule"));
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    }

    @Test
    void publishesThePublicKeyOfTheGeneratedSecretAndClientConfigs() {
        create("keyed");
        AppConnector c = awaitStatus("keyed", x -> x.getStatus().getPublicKey() != null);
        Secret key = awaitChild(Secret.class, "keyed-key");
        String privateKey = new String(java.util.Base64.getDecoder().decode(key.getData().get("privateKey")))
                .trim();
        assertThat(c.getStatus().getPublicKey())
                .isEqualTo(dev.pinhole.operator.appconnector.ConnectorKey.fromPrivate(privateKey).publicKey());
        ConfigMap clients = awaitChild(ConfigMap.class, "keyed-clients");
        String conf = clients.getData().get("laptop-1.conf");
        assertThat(conf).contains("PublicKey = " + c.getStatus().getPublicKey())
                .contains("Address = 100.96.0.2/32")
                .contains("AllowedIPs = 100.80.0.0/12, 100.96.0.1/32, 140.82.112.0/20")
                .doesNotContain(privateKey);
        assertThat(c.getStatus().getClientConfigMap()).isEqualTo("keyed-clients");
    }

    @Test
    void keepsTheKeyAcrossSpecChanges() {
        create("stable-key");
        AppConnector first = awaitStatus("stable-key", x -> x.getStatus().getPublicKey() != null);
        edit("stable-key", c -> {
            c.getSpec().getClients().add(new AppConnectorSpec.Client("laptop-2", TestObjects.KEY_2, "100.96.0.3/32"));
            return c;
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> client.configMaps().inNamespace(NS)
                .withName("stable-key-clients").get().getData().containsKey("laptop-2.conf"));
        AppConnector after = client.resources(AppConnector.class).inNamespace(NS).withName("stable-key").get();
        assertThat(after.getStatus().getPublicKey()).isEqualTo(first.getStatus().getPublicKey());
    }

    @Test
    void specChangesUpdateTheChildren() {
        create("scaled");
        awaitChild(PodDisruptionBudget.class, "scaled");
        edit("scaled", c -> {
            c.getSpec().setReplicas(1);
            c.getSpec().getTunnel().setListenPort(51999);
            return c;
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            Deployment d = client.apps().deployments().inNamespace(NS).withName("scaled").get();
            return d.getSpec().getReplicas() == 1;
        });
        await().atMost(Duration.ofSeconds(60)).until(() ->
                client.policy().v1().podDisruptionBudget().inNamespace(NS).withName("scaled").get() == null);
        Service service = client.services().inNamespace(NS).withName("scaled").get();
        assertThat(service.getSpec().getPorts().get(0).getPort()).isEqualTo(51999);
    }

    @Test
    void clientChangesReloadInPlaceWithoutRollingPods() {
        create("reload");
        Deployment before = awaitChild(Deployment.class, "reload");
        String hash = before.getSpec().getTemplate().getMetadata().getAnnotations().get("pinhole.dev/restart-hash");
        edit("reload", c -> {
            c.getSpec().getDomains().add("api.example.com");
            return c;
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> client.configMaps().inNamespace(NS)
                .withName("reload-config").get().getData().get("connector.json").contains("api.example.com"));
        Deployment after = client.apps().deployments().inNamespace(NS).withName("reload").get();
        assertThat(after.getSpec().getTemplate().getMetadata().getAnnotations().get("pinhole.dev/restart-hash"))
                .isEqualTo(hash);
    }

    @Test
    void becomesReadyWhenTheDeploymentReportsReadyPods() {
        create("ready");
        Deployment d = awaitChild(Deployment.class, "ready");
        d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(2).withReadyReplicas(2).withUpdatedReplicas(2).withAvailableReplicas(2).build());
        client.resource(d).updateStatus();
        AppConnector c = awaitStatus("ready", x -> condition(x, "Ready").map(r -> "True".equals(r.getStatus()))
                .orElse(false));
        assertThat(c.getStatus().getReadyReplicas()).isEqualTo(2);
        assertThat(condition(c, "Progressing")).get().extracting(Condition::getStatus).isEqualTo("False");
        assertThat(condition(c, "Degraded")).get().extracting(Condition::getStatus).isEqualTo("False");
        assertThat(condition(c, "EgressVerified")).get().extracting(Condition::getStatus).isEqualTo("Unknown");
        assertThat(c.getStatus().getObservedGeneration()).isEqualTo(c.getMetadata().getGeneration());
    }

    @Test
    void eventsAnnounceBecomingReadyAndLosingItButNotTheFirstRollout() {
        create("announced");
        Deployment d = awaitChild(Deployment.class, "announced");
        awaitStatus("announced", x -> condition(x, "Ready").map(r -> "False".equals(r.getStatus())).orElse(false));
        setReadyReplicas(d, 2);
        awaitStatus("announced", x -> condition(x, "Ready").map(r -> "True".equals(r.getStatus())).orElse(false));
        setReadyReplicas(awaitChild(Deployment.class, "announced"), 0);
        awaitStatus("announced", x -> condition(x, "Ready").map(r -> "False".equals(r.getStatus())).orElse(false));

        List<String> reasons = await().atMost(Duration.ofSeconds(60)).until(() -> client.v1().events().inNamespace(NS)
                .list().getItems().stream().filter(e -> "announced".equals(e.getInvolvedObject().getName()))
                .sorted(java.util.Comparator.comparing(e -> e.getMetadata().getCreationTimestamp()))
                .map(io.fabric8.kubernetes.api.model.Event::getReason).toList(), r -> r.size() >= 3);
        assertThat(reasons).containsExactly("KeyGenerated", "Ready", "NotReady");
    }

    private void setReadyReplicas(Deployment d, int ready) {
        d.setStatus(new DeploymentStatusBuilder().withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(2).withReadyReplicas(ready).withUpdatedReplicas(2).withAvailableReplicas(ready).build());
        client.resource(d).updateStatus();
    }

    @Test
    void anInvalidSpecIsReportedAndKeepsTheLastGoodConfig() {
        create("invalid");
        ConfigMap good = awaitChild(ConfigMap.class, "invalid-config");
        edit("invalid", c -> {
            c.getSpec().getClients().get(0).setAddress("10.9.9.9/32");
            return c;
        });
        AppConnector c = awaitStatus("invalid", x -> condition(x, "Degraded")
                .map(r -> "InvalidSpec".equals(r.getReason())).orElse(false));
        assertThat(condition(c, "Ready")).get().satisfies(r -> {
            assertThat(r.getStatus()).isEqualTo("False");
            assertThat(r.getMessage()).contains("spec.clients[0].address").contains("10.9.9.9/32")
                    .contains("outside the tunnel network");
        });
        assertThat(client.configMaps().inNamespace(NS).withName("invalid-config").get().getData())
                .isEqualTo(good.getData());
    }

    @Test
    void routesIncludeTheCidrsOfReferencedIpSets() throws Exception {
        client.resource(TestObjects.ipSet(NS, "github-meta", List.of("192.30.252.0/22", "185.199.108.0/22")))
                .create();
        AppConnector c = TestObjects.connector(NS, "with-ipset");
        c.getSpec().getRoutes().setIpSets(new ArrayList<>(List.of(new ObjectReference("github-meta"))));
        client.resource(c).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            ConfigMap cm = client.configMaps().inNamespace(NS).withName("with-ipset-config").get();
            return cm != null && cm.getData().get("connector.json").contains("192.30.252.0/22");
        });
        ConnectorConfig parsed = ConnectorConfigCodec.read(client.configMaps().inNamespace(NS)
                .withName("with-ipset-config").get().getData().get("connector.json"));
        assertThat(parsed.routes()).containsExactly("140.82.112.0/20", "185.199.108.0/22", "192.30.252.0/22");
    }

    @Test
    void anUnknownIpSetRouteIsReported() {
        AppConnector c = TestObjects.connector(NS, "missing-ipset");
        c.getSpec().getRoutes().setIpSets(new ArrayList<>(List.of(new ObjectReference("nope"))));
        client.resource(c).create();
        AppConnector seen = awaitStatus("missing-ipset", x -> condition(x, "Ready")
                .map(r -> "IPSetNotReady".equals(r.getReason())).orElse(false));
        assertThat(condition(seen, "Ready").get().getMessage()).contains("IPSet \"nope\" not found");
        assertThat(client.configMaps().inNamespace(NS).withName("missing-ipset-config").get()).isNull();
        assertThat(client.resources(IPSet.class).inNamespace(NS).withName("nope").get()).isNull();
    }

    @Test
    void anIpSetRouteInsideTheAppRangeIsRefused() {
        client.resource(TestObjects.ipSet(NS, "overlapping", List.of("100.80.1.0/24"))).create();
        AppConnector c = TestObjects.connector(NS, "overlap");
        c.getSpec().getRoutes().setIpSets(new ArrayList<>(List.of(new ObjectReference("overlapping"))));
        client.resource(c).create();
        AppConnector seen = awaitStatus("overlap", x -> condition(x, "Ready")
                .map(r -> "InvalidSpec".equals(r.getReason())).orElse(false));
        assertThat(condition(seen, "Ready").get().getMessage()).contains("100.80.1.0/24")
                .contains("overlaps spec.tunnel.appRange");
        assertThat(client.configMaps().inNamespace(NS).withName("overlap-config").get()).isNull();
    }

    private static io.fabric8.kubernetes.api.model.Node natNode(String name, String address) {
        return new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(name)
                .addToLabels("pinhole.dev/egress", "nat-gateway").endMetadata()
                .withNewStatus().addNewAddress().withType("InternalIP").withAddress(address).endAddress()
                .endStatus().build();
    }

    private AppConnector awaitEndpoints(String name, String... endpoints) {
        return awaitStatus(name, x -> List.of(endpoints).equals(x.getStatus().getEndpoints()));
    }

    @Test
    void nodePortEndpointsFollowTheNatGatewayNodesAddressesAndLabels() {
        client.resource(natNode("ep-nat-0", "198.18.100.20")).create();
        client.resource(natNode("ep-nat-1", "198.18.100.21")).create();
        create("nodeport");
        awaitChild(Service.class, "nodeport");
        // The mock API server allocates no node ports: set one, as the API server would.
        client.services().inNamespace(NS).withName("nodeport").edit(s -> {
            s.getSpec().getPorts().get(0).setNodePort(31000);
            return s;
        });
        awaitEndpoints("nodeport", "198.18.100.20:31000", "198.18.100.21:31000");

        client.nodes().withName("ep-nat-1").edit(n -> {
            n.getStatus().getAddresses().get(0).setAddress("198.18.100.31");
            return n;
        });
        awaitEndpoints("nodeport", "198.18.100.20:31000", "198.18.100.31:31000");

        client.nodes().withName("ep-nat-0").edit(n -> {
            n.getMetadata().getLabels().remove("pinhole.dev/egress");
            return n;
        });
        awaitEndpoints("nodeport", "198.18.100.31:31000");
        assertThat(client.configMaps().inNamespace(NS).withName("nodeport-clients").get().getData()
                .get("laptop-1.conf")).contains("Endpoint = 198.18.100.31:31000");
    }
}
