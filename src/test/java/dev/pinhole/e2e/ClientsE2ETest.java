package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.Client;
import dev.pinhole.api.ClientConnectorStatus;
import dev.pinhole.api.ClientSource;
import dev.pinhole.api.ClientSpec;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Users registered as Client objects on the real control plane (docs/access.md): a team's ServiceAccount whose Role
 * may create Clients in its own namespace (and cannot touch the AppConnector) registers a device and reads back its
 * address and wg-quick file; allocation holds across an operator restart, a delete and re-create frees and reuses,
 * and conflicts (an address, a key, a group) are refused by name.
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientsE2ETest {
    private static final String CONNECTOR = "corp";
    /** Public keys of RFC 7748 section 6.1 and two random ones (none low-order). */
    private static final String ALICE = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";
    private static final String BOB = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=";
    private static final String CAROL = TestObjects.KEY_2;
    /** A key nobody registered, for the swap the API server must refuse. */
    private static final String SWAPPED = "5OFRXnnCHjQBGGBdj4GxNbGYe+m900QIc9zrhRlSK1s=";
    private static KubernetesClient admin;
    private static KubernetesClient team;
    private static OperatorUnderTest operator;
    private static String apps;
    private static String teamNs;

    @BeforeAll
    static void start() throws Exception {
        admin = E2ECluster.connect(ClientsE2ETest.class);
        E2ECluster.installCrds(admin);
        apps = E2ECluster.createNamespace(admin, "e2e-apps");
        teamNs = "e2e-team-" + UUID.randomUUID().toString().substring(0, 8);
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(teamNs)
                .addToLabels("pinhole.dev/onboarding", "true").endMetadata().build()).create();
        // The onboarding Role: Clients in its own namespace, nothing else.
        admin.serviceAccounts().inNamespace(teamNs).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("onboarder").endMetadata().build()).create();
        admin.rbac().roles().inNamespace(teamNs).resource(new RoleBuilder().withNewMetadata().withName("onboarding")
                .endMetadata().addNewRule().withApiGroups("pinhole.dev").withResources("clients")
                .withVerbs("get", "list", "watch", "create", "update", "patch", "delete").endRule().build()).create();
        admin.rbac().roleBindings().inNamespace(teamNs).resource(new RoleBindingBuilder().withNewMetadata()
                .withName("onboarding").endMetadata().withNewRoleRef().withApiGroup("rbac.authorization.k8s.io")
                .withKind("Role").withName("onboarding").endRoleRef().addNewSubject().withKind("ServiceAccount")
                .withName("onboarder").withNamespace(teamNs).endSubject().build()).create();
        Path kubeconfig = ServiceAccountKubeconfig.write(admin, teamNs, "onboarder");
        team = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();

        AppConnector connector = TestObjects.connector(apps, CONNECTOR);
        ClientSource source = new ClientSource();
        ClientSource.Namespaces namespaces = new ClientSource.Namespaces(ClientSource.Namespaces.From.Selector);
        namespaces.setSelector(new LabelSelectorBuilder().addToMatchLabels("pinhole.dev/onboarding", "true").build());
        source.setNamespaces(namespaces);
        source.setAllowedGroups(List.of("sales"));
        source.setDefaultGroups(List.of("everyone"));
        connector.getSpec().setClientSources(List.of(source));
        admin.resource(connector).create();
        operator = OperatorUnderTest.start(admin, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (team != null) {
            team.close();
        }
        if (admin != null && teamNs != null) {
            admin.namespaces().withName(teamNs).delete();
        }
        E2ECluster.tearDown(admin, apps, operator);
    }

    private static Client client(String name, String key, String address, String... groups) {
        Client c = new Client();
        c.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(teamNs).build());
        ClientSpec spec = new ClientSpec();
        spec.setPublicKey(key);
        spec.setAddress(address);
        spec.setGroups(groups.length == 0 ? null : List.of(groups));
        c.setSpec(spec);
        return c;
    }

    private static Client awaitClient(String name, Predicate<Client> until) {
        return await().atMost(E2ECluster.WAIT).alias("Client " + name).until(
                () -> admin.resources(Client.class).inNamespace(teamNs).withName(name).get(),
                c -> c != null && c.getStatus() != null && until.test(c));
    }

    private static Optional<Condition> admitted(Client c) {
        return c.getStatus().getConditions().stream().filter(x -> "Admitted".equals(x.getType())).findFirst();
    }

    private static boolean isAdmitted(Client c) {
        return admitted(c).map(x -> "True".equals(x.getStatus())).orElse(false);
    }

    private static ClientConnectorStatus entry(Client c) {
        return c.getStatus().getConnectors().stream().filter(e -> e.isFor(apps, CONNECTOR)).findFirst()
                .orElseThrow();
    }

    private static String connectorConfig() {
        var map = admin.configMaps().inNamespace(apps).withName(CONNECTOR + "-config").get();
        return map == null ? "" : map.getData().values().iterator().next();
    }

    @Test
    @Order(1)
    void theOnboardingRoleCannotEditTheAppConnector() {
        assertThatThrownBy(() -> team.resources(AppConnector.class).inNamespace(apps).withName(CONNECTOR)
                .edit(c -> {
                    c.getSpec().setDomains(List.of("evil.example"));
                    return c;
                }))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
        assertThatThrownBy(() -> team.resource(TestObjects.connector(teamNs, "mine")).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }

    @Test
    @Order(2)
    void aRegisteredClientGetsAnAddressAndItsConfigWithoutTouchingTheConnector() {
        team.resource(client("alice", ALICE, null, "sales")).create();

        Client alice = awaitClient("alice", ClientsE2ETest::isAdmitted);

        ClientConnectorStatus e = entry(alice);
        assertThat(e.getAddress()).isEqualTo("100.96.0.3/32");  // .1 the connector, .2 its inline laptop-1
        assertThat(e.getGroups()).containsExactly("sales", "everyone");
        assertThat(e.getClientName()).isEqualTo(teamNs + "/alice");
        String publicKey = await().atMost(E2ECluster.WAIT).until(() -> {
            AppConnector c = admin.resources(AppConnector.class).inNamespace(apps).withName(CONNECTOR).get();
            return c.getStatus() == null ? null : c.getStatus().getPublicKey();
        }, java.util.Objects::nonNull);
        assertThat(e.getConfig()).contains("Address = 100.96.0.3/32", "PublicKey = " + publicKey)
                .doesNotContain("PrivateKey = " + ALICE);
        await().atMost(E2ECluster.WAIT).until(() -> connectorConfig().contains(ALICE));
        // The file is in the Client's own status, not in the connector's clients ConfigMap.
        var inlineFiles = await().atMost(E2ECluster.WAIT).alias(CONNECTOR + "-clients (written once the Service is)")
                .until(() -> admin.configMaps().inNamespace(apps).withName(CONNECTOR + "-clients").get(),
                        java.util.Objects::nonNull);
        assertThat(inlineFiles.getData()).containsKey("laptop-1.conf").doesNotContainKey("alice.conf")
                .doesNotContainKey(teamNs + "/alice.conf");
    }

    @Test
    @Order(3)
    void addressesSurviveAnOperatorRestart() throws Exception {
        team.resource(client("bob", BOB, null)).create();
        String bob = entry(awaitClient("bob", ClientsE2ETest::isAdmitted)).getAddress();
        assertThat(bob).isEqualTo("100.96.0.4/32");

        operator.restart(admin);
        team.resource(client("carol", CAROL, null)).create();  // a reconcile after the restart

        assertThat(entry(awaitClient("carol", ClientsE2ETest::isAdmitted)).getAddress()).isEqualTo("100.96.0.5/32");
        assertThat(entry(awaitClient("alice", ClientsE2ETest::isAdmitted)).getAddress()).isEqualTo("100.96.0.3/32");
        assertThat(entry(awaitClient("bob", ClientsE2ETest::isAdmitted)).getAddress()).isEqualTo(bob);
    }

    @Test
    @Order(4)
    void deletingAClientRevokesItAndARecreatedOneGetsTheFreedAddress() {
        team.resources(Client.class).inNamespace(teamNs).withName("alice").delete();
        await().atMost(E2ECluster.WAIT).until(() -> !connectorConfig().contains(ALICE));

        team.resource(client("alice", ALICE, null, "sales")).create();

        assertThat(entry(awaitClient("alice", c -> isAdmitted(c) && !c.getStatus().getConnectors().isEmpty()))
                .getAddress()).isEqualTo("100.96.0.3/32");
        assertThat(entry(awaitClient("bob", ClientsE2ETest::isAdmitted)).getAddress()).isEqualTo("100.96.0.4/32");
    }

    @Test
    @Order(5)
    void conflictsAreRefusedByNameAndTheHoldersKeepWhatTheyHold() {
        team.resource(client("squatter", "YmUSf6scJusR0AM2ZbGJuahFEb7M3RiqhZlWXtDOB2g=", "100.96.0.4/32")).create();
        team.resource(client("copycat", BOB, null)).create();
        team.resource(client("greedy", "tUrchOXyQxlH4oPOGdN545eMLqAdI6re/uB6NZ1tdRc=", null, "sales", "admins"))
                .create();

        Condition squatter = admitted(awaitClient("squatter", c -> admitted(c).isPresent())).orElseThrow();
        Condition copycat = admitted(awaitClient("copycat", c -> admitted(c).isPresent())).orElseThrow();
        Condition greedy = admitted(awaitClient("greedy", c -> admitted(c).isPresent())).orElseThrow();

        assertThat(squatter.getReason()).isEqualTo("AddressConflict");
        assertThat(squatter.getMessage()).contains(teamNs + "/bob");
        assertThat(copycat.getReason()).isEqualTo("KeyInUse");
        assertThat(copycat.getMessage()).contains(teamNs + "/bob");
        assertThat(greedy.getReason()).isEqualTo("GroupNotAllowed");
        assertThat(greedy.getMessage()).contains("admins");
        assertThat(entry(awaitClient("bob", ClientsE2ETest::isAdmitted)).getAddress()).isEqualTo("100.96.0.4/32");
        assertThat(connectorConfig()).doesNotContain("tUrchOXyQxlH4oPOGdN545eMLqAdI6re/uB6NZ1tdRc=");
    }

    /**
     * A registered key cannot be swapped for another: the new key would become another device while keeping the first
     * one's address, groups and status (and its flow records' name). The API server refuses it; groups may change.
     */
    @Test
    @Order(6)
    void aClientsPublicKeyCannotBeChangedButItsGroupsCan() {
        String before = entry(awaitClient("bob", ClientsE2ETest::isAdmitted)).getAddress();

        assertThatThrownBy(() -> team.resources(Client.class).inNamespace(teamNs).withName("bob").edit(c -> {
            c.getSpec().setPublicKey(SWAPPED);
            return c;
        })).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).isEqualTo(422);
            assertThat(e.getMessage()).contains("publicKey is immutable", "delete the Client and create it again");
        });
        Client groupsChanged = team.resources(Client.class).inNamespace(teamNs).withName("bob").edit(c -> {
            c.getSpec().setGroups(List.of("sales"));
            return c;
        });

        assertThat(groupsChanged.getSpec().getPublicKey()).isEqualTo(BOB);
        ClientConnectorStatus bob = entry(awaitClient("bob", c -> isAdmitted(c)
                && entry(c).getGroups().contains("sales")));
        assertThat(bob.getAddress()).isEqualTo(before);
        assertThat(connectorConfig()).contains(BOB).doesNotContain(SWAPPED);
    }

    /** Hostile (careless): a Client in a namespace no source selects once had no status at all. */
    @Test
    @Order(20)
    void aClientNoConnectorSelectsSaysNoConnectorAndWhatSelectsClients() {
        Client stray = client("stray", "GZ7tXPpr2tdOgNqN5hTlbPBRRsRvvl0R5hu1xVzvTmM=", null);
        stray.getMetadata().setNamespace(apps);  // the apps namespace carries no onboarding label
        admin.resource(stray).create();

        Client seen = await().atMost(E2ECluster.WAIT).alias("Client stray's status").until(
                () -> admin.resources(Client.class).inNamespace(apps).withName("stray").get(),
                c -> c != null && c.getStatus() != null && admitted(c).isPresent());

        assertThat(admitted(seen).orElseThrow().getStatus()).isEqualTo("False");
        assertThat(admitted(seen).orElseThrow().getReason()).isEqualTo("NoConnector");
        assertThat(admitted(seen).orElseThrow().getMessage()).contains("clientSources", "clientSelector");
        assertThat(seen.getStatus().getConnectors()).isEmpty();
    }

    /**
     * Hostile: a second AppConnector admits bob, then is deleted while the operator is down. Nobody's reconcile is
     * left to remove its entry; the Client side must, after the restart, and Admitted must name only what is left.
     */
    @Test
    @Order(21)
    void aConnectorDeletedWhileTheOperatorWasDownLeavesNoEntryBehind() throws Exception {
        AppConnector side = TestObjects.connector(apps, "side");
        ClientSource source = new ClientSource();
        ClientSource.Namespaces namespaces = new ClientSource.Namespaces(ClientSource.Namespaces.From.Selector);
        namespaces.setSelector(new LabelSelectorBuilder().addToMatchLabels("pinhole.dev/onboarding", "true").build());
        source.setNamespaces(namespaces);
        source.setClientSelector(new LabelSelectorBuilder().addToMatchLabels("side", "yes").build());
        source.setAllowedGroups(List.of("sales"));  // bob asks for sales since test 6
        side.getSpec().setClientSources(List.of(source));
        admin.resource(side).create();
        team.resources(Client.class).inNamespace(teamNs).withName("bob").edit(c -> {
            c.getMetadata().setLabels(Map.of("side", "yes"));
            return c;
        });
        awaitClient("bob", c -> isAdmitted(c) && c.getStatus().getConnectors().size() == 2);

        operator.close();
        admin.resources(AppConnector.class).inNamespace(apps).withName("side").delete();
        await().atMost(E2ECluster.WAIT).until(() ->
                admin.resources(AppConnector.class).inNamespace(apps).withName("side").get() == null);
        operator = OperatorUnderTest.start(admin, Map.of());

        Client bob = awaitClient("bob", c -> c.getStatus().getConnectors().size() == 1);
        assertThat(bob.getStatus().getConnectors()).extracting(ClientConnectorStatus::getName)
                .containsExactly(CONNECTOR);
        assertThat(admitted(bob).orElseThrow().getStatus()).isEqualTo("True");
        assertThat(admitted(bob).orElseThrow().getMessage()).isEqualTo("admitted by " + apps + "/" + CONNECTOR);
    }

    /** The connector stops selecting a Client: its entry goes, and a Client it was the only one of says so. */
    @Test
    @Order(22)
    void aClientNoLongerSelectedLosesTheEntryAndSaysNoConnector() {
        admin.resources(AppConnector.class).inNamespace(apps).withName(CONNECTOR).edit(c -> {
            c.getSpec().getClientSources().get(0).setClientSelector(new LabelSelectorBuilder()
                    .addToMatchLabels("nobody", "has-this").build());
            return c;
        });

        Client carol = awaitClient("carol", c -> c.getStatus().getConnectors().isEmpty());
        assertThat(admitted(carol).orElseThrow().getReason()).isEqualTo("NoConnector");
    }
}
