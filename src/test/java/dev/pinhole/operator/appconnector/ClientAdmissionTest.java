package dev.pinhole.operator.appconnector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.api.ClientSource;
import dev.pinhole.connector.config.ConfigCheck;
import dev.pinhole.connector.config.ConnectorConfig;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Admission, granting and allocation of Client objects by one connector: a pure function of its inputs. */
class ClientAdmissionTest {
    private static final String NS = "apps";
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private static final Function<String, Map<String, String>> NO_LABELS = ns -> Map.of();

    private static ClientSource source(ClientSource.Namespaces.From from, List<String> allowed,
                                       List<String> defaults) {
        ClientSource s = new ClientSource();
        s.setNamespaces(new ClientSource.Namespaces(from));
        s.setAllowedGroups(allowed);
        s.setDefaultGroups(defaults);
        return s;
    }

    private static ClientAdmission.Connector connector(String tunnel, List<AppConnectorSpec.Client> inline,
                                                       ClientSource... sources) {
        return new ClientAdmission.Connector(NS, "corp", tunnel, inline, List.of(sources));
    }

    private static ClientAdmission.Connector allNamespaces() {
        return connector("100.96.0.1/24", List.of(new AppConnectorSpec.Client("ops", key(1000), "100.96.0.2/32")),
                source(ClientSource.Namespaces.From.All, List.of("sales", "eng"), List.of("everyone")));
    }

    /** A distinct valid X25519 public key per seed (a clamped scalar's base point multiple is not needed: any */
    /** 32 bytes that are not a low-order point are a key the connector accepts). */
    static String key(int seed) {
        byte[] bytes = new byte[32];
        new Random(seed).nextBytes(bytes);
        bytes[31] &= 0x7f;
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static ClientCandidate client(String ns, String name, int ageSeconds, int key, List<String> groups,
                                          String requested, String held) {
        return new ClientCandidate(ns, name, T0.plusSeconds(ageSeconds), Map.of(), key(key), groups, requested, held,
                true);
    }

    private static ClientCandidate client(String name, int ageSeconds, int key) {
        return client("team", name, ageSeconds, key, List.of(), null, null);
    }

    private static Map<String, ClientDecision> byName(List<ClientDecision> decisions) {
        return decisions.stream().collect(Collectors.toMap(d -> d.candidate().name(), d -> d));
    }

    private static String address(ClientDecision d) {
        assertThat(d).isInstanceOf(ClientDecision.Admitted.class);
        return ((ClientDecision.Admitted) d).address();
    }

    private static ClientDecision.Refused refused(ClientDecision d) {
        assertThat(d).isInstanceOf(ClientDecision.Refused.class);
        return (ClientDecision.Refused) d;
    }

    @Test
    void aNewClientGetsTheLowestAddressAfterTheConnectorsAndTheInlineClients() {
        var d = byName(ClientAdmission.decide(allNamespaces(), List.of(client("a", 0, 1), client("b", 1, 2)),
                NO_LABELS));

        assertThat(address(d.get("a"))).isEqualTo("100.96.0.3/32");
        assertThat(address(d.get("b"))).isEqualTo("100.96.0.4/32");
    }

    @Test
    void aHeldAddressIsKeptWhenALowerOneIsFreeAndTheInputOrderChanges() {
        var held = client("team", "late", 5, 1, List.of(), null, "100.96.0.9/32");
        var fresh = client("fresh", 0, 2);

        var d = byName(ClientAdmission.decide(allNamespaces(), List.of(held, fresh), NO_LABELS));
        var reversed = byName(ClientAdmission.decide(allNamespaces(), List.of(fresh, held), NO_LABELS));

        assertThat(address(d.get("late"))).isEqualTo("100.96.0.9/32");
        assertThat(address(d.get("fresh"))).isEqualTo("100.96.0.3/32");
        assertThat(reversed).isEqualTo(d);
    }

    @Test
    void anOlderClientAskingForAnAddressANewerOneHoldsIsRefusedNamingTheHolder() {
        var holder = client("team", "holder", 10, 1, List.of(), null, "100.96.0.3/32");
        var asker = client("other", "asker", 0, 2, List.of(), "100.96.0.3/32", null);

        var d = byName(ClientAdmission.decide(allNamespaces(), List.of(asker, holder), NO_LABELS));

        assertThat(address(d.get("holder"))).isEqualTo("100.96.0.3/32");
        assertThat(refused(d.get("asker")).reason()).isEqualTo(ClientDecision.Refused.ADDRESS_CONFLICT);
        assertThat(refused(d.get("asker")).message()).contains("team/holder");
    }

    @Test
    void ofTwoClientsAskingForOneAddressTheYoungerIsRefusedByName() {
        var older = client("team", "older", 0, 1, List.of(), "100.96.0.50/32", null);
        var younger = client("team", "younger", 1, 2, List.of(), "100.96.0.50/32", null);

        var d = byName(ClientAdmission.decide(allNamespaces(), List.of(younger, older), NO_LABELS));

        assertThat(address(d.get("older"))).isEqualTo("100.96.0.50/32");
        assertThat(refused(d.get("younger")).message()).contains("team/older");
    }

    @Test
    void anAddressOfAnInlineClientTheConnectorOrOutsideTheNetworkIsRefused() {
        var inline = client("team", "inline", 0, 1, List.of(), "100.96.0.2/32", null);
        var own = client("team", "own", 0, 2, List.of(), "100.96.0.1/32", null);
        var outside = client("team", "outside", 0, 3, List.of(), "100.97.0.5/32", null);
        var broadcast = client("team", "broadcast", 0, 4, List.of(), "100.96.0.255/32", null);

        var d = byName(ClientAdmission.decide(allNamespaces(), List.of(inline, own, outside, broadcast), NO_LABELS));

        assertThat(refused(d.get("inline")).message()).contains("spec.clients ops");
        assertThat(refused(d.get("own")).message()).contains("apps/corp itself");
        assertThat(refused(d.get("outside")).message()).contains("outside the tunnel network 100.96.0.0/24");
        assertThat(refused(d.get("broadcast")).message()).contains("broadcast");
    }

    @Test
    void aKeyUsedByAnOlderClientInAnotherNamespaceIsRefusedWhicheverComesFirstInTheList() {
        var older = client("team-a", "phone", 0, 7, List.of(), null, null);
        var younger = client("team-b", "stolen", 1, 7, List.of(), null, null);

        for (var list : List.of(List.of(older, younger), List.of(younger, older))) {
            var d = byName(ClientAdmission.decide(allNamespaces(), list, NO_LABELS));
            assertThat(d.get("phone")).isInstanceOf(ClientDecision.Admitted.class);
            assertThat(refused(d.get("stolen")).reason()).isEqualTo(ClientDecision.Refused.KEY_IN_USE);
            assertThat(refused(d.get("stolen")).message()).contains("Client team-a/phone");
        }
    }

    @Test
    void theKeyOfAnInlineClientIsRefusedEvenToAnOlderClient() {
        var d = byName(ClientAdmission.decide(allNamespaces(), List.of(client("copy", -1000, 1000)), NO_LABELS));

        assertThat(refused(d.get("copy")).message()).contains("spec.clients ops");
    }

    @Test
    void aLowOrderKeyRefusesThatClientAloneSoTheConnectorsConfigStillPasses() {
        String lowOrder = Base64.getEncoder().encodeToString(new byte[32]);
        var bad = new ClientCandidate("team", "bad", T0, Map.of(), lowOrder, List.of(), null, null, true);

        var d = byName(ClientAdmission.decide(allNamespaces(), List.of(bad, client("good", 1, 2)), NO_LABELS));

        assertThat(refused(d.get("bad")).reason()).isEqualTo(ClientDecision.Refused.INVALID_KEY);
        assertThat(d.get("good")).isInstanceOf(ClientDecision.Admitted.class);
    }

    @Test
    void aGroupOutsideAllowedGroupsRefusesTheClientNamingTheGroup() {
        var greedy = client("team", "greedy", 0, 1, List.of("sales", "admins"), null, null);

        var d = byName(ClientAdmission.decide(allNamespaces(), List.of(greedy), NO_LABELS));

        assertThat(refused(d.get("greedy")).reason()).isEqualTo(ClientDecision.Refused.GROUP_NOT_ALLOWED);
        assertThat(refused(d.get("greedy")).message()).startsWith("group admins not in allowedGroups");
    }

    @Test
    void grantedGroupsAreTheRequestedOnesThenTheDefaultsEachOnce() {
        var c = client("team", "c", 0, 1, List.of("eng", "everyone", "sales"), null, null);
        var sources = connector("100.96.0.1/24", List.of(), source(ClientSource.Namespaces.From.All,
                List.of("sales", "eng", "everyone"), List.of("everyone")));

        var d = (ClientDecision.Admitted) ClientAdmission.decide(sources, List.of(c), NO_LABELS).get(0);

        assertThat(d.groups()).containsExactly("eng", "everyone", "sales");
    }

    @Test
    void aClientOfTheConnectorsNamespaceCannotTakeAnInlineClientsName() {
        var same = client(NS, "ops", 0, 1, List.of(), null, null);
        var elsewhere = client("team", "ops", 0, 2, List.of(), null, null);

        var d = ClientAdmission.decide(allNamespaces(), List.of(same, elsewhere), NO_LABELS);

        assertThat(refused(d.stream().filter(x -> x.candidate().namespace().equals(NS)).findFirst().orElseThrow())
                .reason()).isEqualTo(ClientDecision.Refused.NAME_IN_USE);
        assertThat(d.stream().filter(x -> x.candidate().namespace().equals("team")).findFirst().orElseThrow())
                .isInstanceOfSatisfying(ClientDecision.Admitted.class,
                        a -> assertThat(a.clientName()).isEqualTo("team/ops"));
    }

    @Test
    void onlyClientsASourceSelectsAreDecided() {
        ClientSource same = source(ClientSource.Namespaces.From.Same, List.of(), List.of());
        same.setClientSelector(new LabelSelectorBuilder().addToMatchLabels("pinhole.dev/connector", "corp").build());
        ClientSource labelled = source(ClientSource.Namespaces.From.Selector, List.of(), List.of());
        labelled.getNamespaces().setSelector(new LabelSelectorBuilder().addToMatchLabels("onboarding", "yes")
                .build());
        var conn = connector("100.96.0.1/24", List.of(), same, labelled);
        Map<String, Map<String, String>> nsLabels = Map.of("onboarded", Map.of("onboarding", "yes"));
        var sameLabelled = new ClientCandidate(NS, "in", T0, Map.of("pinhole.dev/connector", "corp"), key(1),
                List.of(), null, null, true);
        var sameUnlabelled = new ClientCandidate(NS, "unlabelled", T0, Map.of(), key(2), List.of(), null, null, true);
        var onboarded = client("onboarded", "ok", 0, 3, List.of(), null, null);
        var stranger = client("strangers", "no", 0, 4, List.of(), null, null);

        var d = ClientAdmission.decide(conn, List.of(sameLabelled, sameUnlabelled, onboarded, stranger),
                ns -> nsLabels.getOrDefault(ns, Map.of()));

        assertThat(d).extracting(x -> x.candidate().name()).containsExactlyInAnyOrder("in", "ok");
    }

    @Test
    void aFullTunnelNetworkRefusesTheYoungestByName() {
        // 100.96.0.0/29: .0 network, .1 connector, .7 broadcast: five addresses for clients.
        var conn = connector("100.96.0.1/29", List.of(), source(ClientSource.Namespaces.From.All, null, null));
        List<ClientCandidate> clients = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            clients.add(client("c" + i, i, i + 1));
        }

        var d = byName(ClientAdmission.decide(conn, clients, NO_LABELS));

        assertThat(clients.subList(0, 5)).allSatisfy(c -> assertThat(d.get(c.name()))
                .isInstanceOf(ClientDecision.Admitted.class));
        assertThat(refused(d.get("c5")).reason()).isEqualTo(ClientDecision.Refused.CONNECTOR_FULL);
        assertThat(refused(d.get("c6")).message()).contains("100.96.0.0/29");
    }

    @Test
    void anIpv6TunnelAllocatesIpv6Addresses() {
        var conn = connector("fd00:96::1/112", List.of(), source(ClientSource.Namespaces.From.All, null, null));

        var d = byName(ClientAdmission.decide(conn, List.of(client("a", 0, 1), client("b", 1, 2)), NO_LABELS));

        assertThat(address(d.get("a"))).isEqualTo("fd00:96::2/128");
        assertThat(address(d.get("b"))).isEqualTo("fd00:96::3/128");
    }

    @Test
    void aClientAlreadyInSixteenOtherConnectorsIsRefused() {
        var crowded = new ClientCandidate("team", "crowded", T0, Map.of(), key(1), List.of(), null, null, false);

        var d = ClientAdmission.decide(allNamespaces(), List.of(crowded), NO_LABELS);

        assertThat(refused(d.get(0)).reason()).isEqualTo(ClientDecision.Refused.TOO_MANY_CONNECTORS);
    }

    @Test
    void fiveThousandClientsFitASlash16AndTheNextIsRefusedAsFull() {
        var conn = connector("100.96.0.1/16", List.of(), source(ClientSource.Namespaces.From.All, null, null));
        List<ClientCandidate> clients = new ArrayList<>();
        for (int i = 0; i <= ClientAdmission.MAX_CLIENTS; i++) {
            clients.add(client("c" + i, i, i + 1));
        }

        var d = byName(ClientAdmission.decide(conn, clients, NO_LABELS));

        assertThat(address(d.get("c4999"))).isEqualTo("100.96.19.137/32");
        assertThat(refused(d.get("c5000")).reason()).isEqualTo(ClientDecision.Refused.CONNECTOR_FULL);
    }

    /**
     * Hostile clients at random (shared keys, colliding and outside addresses, groups not allowed, names of inline
     * clients): whatever they ask, the admitted ones render into a config the connector's check accepts, the
     * decisions do not depend on the input order, and after deleting a random half, every survivor keeps its address.
     */
    @Test
    void randomHostileClientsNeverBreakTheConfigAndSurvivorsKeepTheirAddresses() {
        Random random = new Random(17);
        var conn = connector("100.96.0.1/26", List.of(new AppConnectorSpec.Client("ops", key(1000), "100.96.0.2/32"),
                        new AppConnectorSpec.Client("dev", key(1001), "100.96.0.9/32")),
                source(ClientSource.Namespaces.From.All, List.of("sales", "eng"), List.of("everyone")));
        for (int round = 0; round < 50; round++) {
            List<ClientCandidate> clients = new ArrayList<>();
            int n = 1 + random.nextInt(80);
            for (int i = 0; i < n; i++) {
                String ns = random.nextBoolean() ? NS : "team" + random.nextInt(3);
                String name = random.nextInt(10) == 0 ? "ops" : "c" + random.nextInt(60);
                int keySeed = random.nextInt(10) == 0 ? 1000 : random.nextInt(70);
                List<String> groups = random.nextInt(8) == 0 ? List.of("admins") : List.of("sales");
                String requested = random.nextInt(4) == 0 ? "100.96.0." + random.nextInt(80) + "/32" : null;
                clients.add(client(ns, name, random.nextInt(100), keySeed, groups, requested, null));
            }
            clients = clients.stream().collect(Collectors.toMap(ClientCandidate::ref, c -> c, (a, b) -> a))
                    .values().stream().toList();
            List<ClientDecision> first = ClientAdmission.decide(conn, clients, NO_LABELS);
            List<ClientCandidate> shuffled = new ArrayList<>(clients);
            Collections.shuffle(shuffled, random);
            assertThat(ClientAdmission.decide(conn, shuffled, NO_LABELS)).isEqualTo(first);
            assertThat(ConfigCheck.check(config(conn, first))).as("round %d", round).isEmpty();

            // The status is the record: survivors come back with the address their status holds.
            Map<String, String> held = new HashMap<>();
            first.stream().filter(d -> d instanceof ClientDecision.Admitted)
                    .forEach(d -> held.put(d.candidate().ref(), ((ClientDecision.Admitted) d).address()));
            List<ClientCandidate> survivors = new ArrayList<>();
            for (ClientCandidate c : clients) {
                if (random.nextBoolean()) {
                    survivors.add(new ClientCandidate(c.namespace(), c.name(), c.created(), c.labels(), c.publicKey(),
                            c.groups(), c.requestedAddress(), held.get(c.ref()), true));
                }
            }
            survivors.add(client("newcomer", 0, 9999));
            for (ClientDecision d : ClientAdmission.decide(conn, survivors, NO_LABELS)) {
                if (held.containsKey(d.candidate().ref())) {
                    assertThat(address(d)).as("round %d %s", round, d.candidate().ref())
                            .isEqualTo(held.get(d.candidate().ref()));
                }
            }
        }
    }

    private static ConnectorConfig config(ClientAdmission.Connector conn, List<ClientDecision> decisions) {
        List<ConnectorConfig.Client> clients = new ArrayList<>();
        conn.inlineClients().forEach(c -> clients.add(new ConnectorConfig.Client(c.getName(), c.getPublicKey(),
                c.getAddress())));
        decisions.stream().filter(d -> d instanceof ClientDecision.Admitted).map(d -> (ClientDecision.Admitted) d)
                .forEach(a -> clients.add(new ConnectorConfig.Client(a.clientName(), a.candidate().publicKey(),
                        a.address(), a.groups())));
        return new ConnectorConfig(ConnectorConfig.FORMAT, "corp", NS,
                new ConnectorConfig.WireGuardInterface(conn.tunnelAddress(), 51820, 1420, "100.80.0.0/12"), clients,
                List.of("example.com"), List.of(), new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of()), new ConnectorConfig.Http(8080), null, null, null, null);
    }

    /**
     * Hostile: one namespace of self-registering users registers more devices than its source's share; the newest
     * over it are refused by name, the older keep their admission, and another source's Clients are untouched.
     */
    @Test
    void aSourceAdmitsAtMostItsMaxClientsOldestFirstAndNamesItselfWhenFull() {
        ClientSource selfService = source(ClientSource.Namespaces.From.Selector, List.of(), List.of());
        selfService.getNamespaces().setSelector(new LabelSelectorBuilder().addToMatchLabels("self", "yes").build());
        selfService.setMaxClients(2);
        ClientSource staff = source(ClientSource.Namespaces.From.Same, List.of(), List.of());
        Function<String, Map<String, String>> labels = ns -> ns.equals("self") ? Map.of("self", "yes") : Map.of();
        List<ClientCandidate> candidates = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            candidates.add(client("self", "u" + i, i, 10 + i, List.of(), null, null));
        }
        candidates.add(client(NS, "admin", 99, 99, List.of(), null, null));

        Map<String, ClientDecision> d = byName(ClientAdmission.decide(
                connector("100.96.0.1/24", List.of(), selfService, staff), candidates, labels));

        assertThat(d.get("u0")).isInstanceOf(ClientDecision.Admitted.class);
        assertThat(d.get("u1")).isInstanceOf(ClientDecision.Admitted.class);
        assertThat(refused(d.get("u2")).reason()).isEqualTo(ClientDecision.Refused.SOURCE_FULL);
        assertThat(refused(d.get("u2")).message()).contains("spec.clientSources[0]", "at most 2");
        assertThat(refused(d.get("u4")).reason()).isEqualTo(ClientDecision.Refused.SOURCE_FULL);
        assertThat(d.get("admin")).isInstanceOf(ClientDecision.Admitted.class);
    }
}
