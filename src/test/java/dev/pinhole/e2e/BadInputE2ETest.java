package dev.pinhole.e2e;

import static dev.pinhole.e2e.ManifestEdit.remove;
import static dev.pinhole.e2e.ManifestEdit.set;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pinhole.api.AppConnector;
import dev.pinhole.api.IPSet;
import dev.pinhole.operator.TestObjects;
import dev.pinhole.testing.Adversarial;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The operator's input boundary, from a careless user's and a hostile tenant's side, on the real API server with the
 * operator running (issue 12): every spec the API server accepts either runs as written or is refused with a
 * readable reason. Each bad manifest is either refused by the API server with a message naming the field and what is
 * expected (never a raw regular expression), or accepted and reported as Degraded naming the field while the last
 * good connector config stays rendered (the ConfigMap's content is compared, not just the condition), and the good
 * spec clears it again. The operator must log no stack trace for any of it.
 *
 * <p>One operator and one namespace for all cases: refusals are dry-run creates (the API server's full validation,
 * nothing stored); the accepted-but-invalid cases edit one shared connector from good to bad and back.
 */
@Tag("e2e")
@Adversarial
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadInputE2ETest {
    private static final Duration WAIT = E2ECluster.WAIT;
    private static final String VICTIM = "victim";
    private static final String ZERO_KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    private static KubernetesClient client;
    private static OperatorUnderTest operator;
    private static String ns;
    private static Map<String, String> goodConfig;

    @BeforeAll
    static void start() throws Exception {
        client = E2ECluster.connect(BadInputE2ETest.class);
        E2ECluster.installCrds(client);
        ns = E2ECluster.createNamespace(client, "bad-input");
        operator = OperatorUnderTest.start(client, Map.of("PINHOLE_OPERATOR_RECHECK_SECONDS", "5"));
        client.resource(good()).create();
        goodConfig = await().atMost(WAIT).until(() -> configData(VICTIM), Optional::isPresent).orElseThrow();
        awaitSettled(VICTIM);
    }

    @AfterAll
    static void stop() throws Exception {
        E2ECluster.tearDown(client, ns, operator);
    }

    private static AppConnector good() {
        return TestObjects.connector(ns, VICTIM);
    }

    private static IPSet goodSet(String name) {
        return TestObjects.ipSet(ns, name, List.of("192.0.2.0/28"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Refused by the API server: (description, manifest edits, field the message names, words it must contain)

    /** A bad manifest and what the API server must answer. */
    record Refusal(String kind, List<ManifestEdit> edits, String field, String expected) {
        @Override
        public String toString() {
            return kind + ": " + edits;
        }
    }

    private static Arguments connector(String field, String expected, ManifestEdit... edits) {
        return Arguments.of(new Refusal("AppConnector", List.of(edits), field, expected));
    }

    private static Arguments ipSet(String field, String expected, ManifestEdit... edits) {
        return Arguments.of(new Refusal("IPSet", List.of(edits), field, expected));
    }

    private static List<String> many(int n, java.util.function.IntFunction<String> item) {
        return IntStream.range(0, n).mapToObj(item).toList();
    }

    static Stream<Arguments> refusals() {
        String sixtyFour = "a".repeat(64);
        return Stream.of(
                // names: the connector's name is also its Service's name and its pods' label value
                connector("AppConnector name", "at most 63", set("metadata.name", sixtyFour)),
                connector("AppConnector name", "without dots", set("metadata.name", "github.team-a")),
                connector("AppConnector name", "starting with a letter", set("metadata.name", "1password")),
                connector("metadata.name", "RFC 1123", set("metadata.name", "-lead")),
                connector("metadata.name", "RFC 1123", set("metadata.name", "GitHub")),
                connector("metadata.name", "RFC 1123", set("metadata.name", "git_hub")),
                // domains
                connector("spec.domains", "not a domain name (example.com) or wildcard (*.example.com): exa mple.com",
                        set("spec.domains", List.of("github.com", "exa mple.com"))),
                connector("spec.domains", "or wildcard (*.example.com): *.*.github.com",
                        set("spec.domains", List.of("*.*.github.com"))),
                connector("spec.domains", "or wildcard (*.example.com): *github.com",
                        set("spec.domains", List.of("*github.com"))),
                connector("spec.domains", "or wildcard (*.example.com): *", set("spec.domains", List.of("*"))),
                connector("spec.domains", "or wildcard (*.example.com): -github.com",
                        set("spec.domains", List.of("-github.com"))),
                connector("spec.domains", "or wildcard (*.example.com): github..com",
                        set("spec.domains", List.of("github..com"))),
                connector("spec.domains", "or wildcard (*.example.com): https://github.com",
                        set("spec.domains", List.of("https://github.com"))),
                connector("spec.domains", "or wildcard (*.example.com): github.com/login",
                        set("spec.domains", List.of("github.com/login"))),
                connector("spec.domains", "or wildcard (*.example.com): " + "a".repeat(64) + ".com",
                        set("spec.domains", List.of("a".repeat(64) + ".com"))),
                connector("spec.domains[0]", "253", set("spec.domains", List.of(("a".repeat(60) + ".").repeat(5)))),
                connector("spec.domains", "must have at most 256 items",
                        set("spec.domains", many(257, i -> "app" + i + ".example.com"))),
                connector("spec.domains", "must be of type array", set("spec.domains", "github.com")),
                // at least one destination: empty lists are none
                connector("spec", "at least one of domains, routes.cidrs or routes.ipSets",
                        set("spec.domains", List.of()), remove("spec.routes")),
                connector("spec", "at least one of domains, routes.cidrs or routes.ipSets",
                        remove("spec.domains"), set("spec.routes", Map.of())),
                connector("spec", "at least one of domains, routes.cidrs or routes.ipSets",
                        set("spec.domains", List.of()), set("spec.routes.cidrs", List.of())),
                connector("spec", "at least one of domains, routes.cidrs or routes.ipSets",
                        remove("spec.domains"), set("spec.routes", Map.of("cidrs", List.of(), "ipSets", List.of()))),
                // routes
                connector("spec.routes.cidrs", "not a CIDR: 140.82.112.0/33",
                        set("spec.routes.cidrs", List.of("140.82.112.0/33"))),
                connector("spec.routes.cidrs", "not a CIDR: 140.82.112.0",
                        set("spec.routes.cidrs", List.of("140.82.112.0"))),
                connector("spec.routes.cidrs", "not a CIDR: github.com",
                        set("spec.routes.cidrs", List.of("github.com"))),
                connector("spec.routes.cidrs", "not a CIDR: ::/129", set("spec.routes.cidrs", List.of("::/129"))),
                connector("spec.routes.cidrs", "not a CIDR: 140.82.112.0/20",
                        set("spec.routes.cidrs", List.of("140.82.112.0/20 "))),
                connector("spec.routes.cidrs", "not a CIDR: 10.0.0.0-10.0.0.9",
                        set("spec.routes.cidrs", List.of("10.0.0.0-10.0.0.9"))),
                connector("spec.routes.cidrs[0]", "43", set("spec.routes.cidrs", List.of("1".repeat(44)))),
                connector("spec.routes.cidrs", "must have at most 1024 items",
                        set("spec.routes.cidrs", many(1025, i -> "10." + (i / 256) + "." + (i % 256) + ".0/24"))),
                connector("spec.routes.ipSets[0].name", "not an object name", set("spec.routes.ipSets",
                        List.of(Map.of("name", "Vendor_List")))),
                connector("spec.routes.ipSets[0].name", "Required value",
                        set("spec.routes.ipSets", List.of(Map.of()))),
                connector("spec.routes.ipSets", "must have at most 64 items",
                        set("spec.routes.ipSets", many(65, i -> "s" + i).stream().map(n -> Map.of("name", n)).toList())),
                // clients
                connector("spec.clients[0].name", "not a client name", set("spec.clients[0].name", "alice laptop")),
                connector("spec.clients[0].name", "not a client name", set("spec.clients[0].name", "-alice")),
                connector("spec.clients[0].name", "not a client name", set("spec.clients[0].name", "../../etc")),
                connector("spec.clients[0].name", "63", set("spec.clients[0].name", "a".repeat(64))),
                connector("spec.clients[0].name", "Required value", remove("spec.clients[0].name")),
                connector("spec.clients[0].publicKey", "not a WireGuard public key", set("spec.clients[0].publicKey",
                        "short")),
                connector("spec.clients[0].publicKey", "not a WireGuard public key", set("spec.clients[0].publicKey",
                        "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg")),
                connector("spec.clients[0].publicKey", "not a WireGuard public key", set("spec.clients[0].publicKey",
                        "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8D!=")),
                connector("spec.clients[0].publicKey", "not a WireGuard public key", set("spec.clients[0].publicKey",
                        "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dh=")),
                connector("spec.clients[0].publicKey", "44", set("spec.clients[0].publicKey",
                        "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg==")),
                connector("spec.clients[0].publicKey", "Required value", remove("spec.clients[0].publicKey")),
                connector("spec.clients[0].address", "must be a single address as /32 or /128, got 100.96.0.0/24",
                        set("spec.clients[0].address", "100.96.0.0/24")),
                connector("spec.clients[0].address", "must be a single address as /32 or /128, got 100.96.0.2",
                        set("spec.clients[0].address", "100.96.0.2")),
                connector("spec.clients[0].address", "must be a single address as /32 or /128, got alice",
                        set("spec.clients[0].address", "alice")),
                connector("spec.clients[0].address", "Required value", remove("spec.clients[0].address")),
                connector("spec.clients", "client names must be unique", set("spec.clients[1]", Map.of("name",
                        "laptop-1", "publicKey", TestObjects.KEY_2, "address", "100.96.0.3/32"))),
                connector("spec.clients", "client addresses must be unique", set("spec.clients[1]", Map.of("name",
                        "laptop-2", "publicKey", TestObjects.KEY_2, "address", "100.96.0.2/32"))),
                connector("spec.clients", "must be of type array", set("spec.clients", Map.of("name", "x"))),
                // tunnel
                connector("spec.tunnel.address", "not an address/prefix: 100.96.0.1",
                        set("spec.tunnel.address", "100.96.0.1")),
                connector("spec.tunnel.address", "not an address/prefix: 100.96.0.1/33",
                        set("spec.tunnel.address", "100.96.0.1/33")),
                connector("spec.tunnel.listenPort", "greater than or equal to 1", set("spec.tunnel.listenPort", 0)),
                connector("spec.tunnel.listenPort", "less than or equal to 65535",
                        set("spec.tunnel.listenPort", 65536)),
                connector("spec.tunnel.listenPort", "must be of type integer",
                        set("spec.tunnel.listenPort", "51820/udp")),
                connector("spec.tunnel.mtu", "greater than or equal to 1280", set("spec.tunnel.mtu", 576)),
                connector("spec.tunnel.mtu", "less than or equal to 9000", set("spec.tunnel.mtu", 65535)),
                connector("spec.tunnel.appRange", "not a CIDR: 100.80.0.0/33", set("spec.tunnel.appRange",
                        "100.80.0.0/33")),
                connector("spec.tunnel.appRange", "not a CIDR: everything", set("spec.tunnel.appRange",
                        "everything")),
                connector("spec.tunnel.appRange", "must be an IPv4 range of at least a /30",
                        set("spec.tunnel.appRange", "fd00:80::/48")),
                connector("spec.tunnel.appRange", "must be an IPv4 range of at least a /30",
                        set("spec.tunnel.appRange", "100.80.0.0/31")),
                // service
                connector("spec.service.type", "supported values", set("spec.service.type", "ExternalName")),
                connector("spec.service.annotations", "must be of type string",
                        set("spec.service.annotations", Map.of("a", 1))),
                // egress
                connector("spec.egress", "Required value", remove("spec.egress")),
                connector("spec.egress.elasticIP", "Required value", remove("spec.egress.elasticIP")),
                connector("spec.egress.elasticIP", "not an IP address: 203.0.113.10/32",
                        set("spec.egress.elasticIP", "203.0.113.10/32")),
                connector("spec.egress.elasticIP", "not an IP address: nat.example.com",
                        set("spec.egress.elasticIP", "nat.example.com")),
                connector("spec.egress.elasticIP", "not an IP address:", set("spec.egress.elasticIP", "")),
                connector("spec.egress.natGateway", "natGateway.nodeSelector is empty",
                        set("spec.egress.natGateway.nodeSelector", Map.of())),
                connector("spec.egress.natGateway", "natGateway.nodeSelector is empty",
                        remove("spec.egress.natGateway")),
                connector("spec.egress.natGateway", "natGateway.nodeSelector is empty",
                        remove("spec.egress.natGateway.nodeSelector")),
                connector("spec.egress.natGateway.anyNode", "requires verify",
                        set("spec.egress.natGateway.nodeSelector", Map.of()),
                        set("spec.egress.natGateway.anyNode", true)),
                connector("spec.egress.natGateway.anyNode", "must be of type boolean",
                        set("spec.egress.natGateway.anyNode", "yes")),
                connector("spec.egress.natGateway.nodeSelector", "must have at most 32 items",
                        set("spec.egress.natGateway.nodeSelector", Collections.unmodifiableMap(new java.util.TreeMap<>(
                                IntStream.range(0, 33).boxed().collect(java.util.stream.Collectors.toMap(
                                        i -> "l" + i, i -> "v")))))),
                connector("spec.egress.natGateway.tolerations[0].operator", "operator Matches: expected Exists or Equal",
                        set("spec.egress.natGateway.tolerations[0].operator", "Matches")),
                connector("spec.egress.natGateway.tolerations[0].effect", "expected NoSchedule, PreferNoSchedule or"
                        + " NoExecute", set("spec.egress.natGateway.tolerations[0].effect", "NoScheduled")),
                connector("spec.egress.natGateway.tolerations[0].value", "operator Exists takes no value",
                        set("spec.egress.natGateway.tolerations[0].operator", "Exists")),
                connector("spec.egress.natGateway.tolerations[0].operator", "an empty key matches every taint",
                        set("spec.egress.natGateway.tolerations[0].key", "")),
                connector("spec.egress.natGateway.tolerations[0].tolerationSeconds", "needs effect NoExecute",
                        set("spec.egress.natGateway.tolerations[0].tolerationSeconds", 60)),
                connector("spec.egress.natGateway.tolerations", "must have at most 32 items",
                        set("spec.egress.natGateway.tolerations", many(33, i -> "k" + i).stream()
                                .map(k -> Map.of("key", k, "operator", "Exists")).toList())),
                connector("spec.egress.verify.url", "Required value", set("spec.egress.verify", Map.of())),
                connector("spec.egress.verify.url", "not an http:// or https:// URL with a host: ftp://checkip.example",
                        set("spec.egress.verify.url", "ftp://checkip.example")),
                connector("spec.egress.verify.url", "not an http:// or https:// URL with a host: checkip.example",
                        set("spec.egress.verify.url", "checkip.example")),
                connector("spec.egress.verify.url", "not an http:// or https:// URL with a host: https://",
                        set("spec.egress.verify.url", "https://")),
                connector("spec.egress.verify.url", "not an http:// or https:// URL with a host",
                        set("spec.egress.verify.url", "http://user:pw@checkip.example/")),
                connector("spec.egress.verify.url", "2048", set("spec.egress.verify.url",
                        "https://checkip.example/" + "a".repeat(2048))),
                connector("spec.egress.verify.enforce", "must be of type boolean",
                        set("spec.egress.verify", Map.of("url", "https://checkip.example", "enforce", "no"))),
                // dns
                connector("spec.dns.upstream", "not an IP address: dns.google",
                        set("spec.dns.upstream", List.of("dns.google"))),
                connector("spec.dns.upstream", "not an IP address: 8.8.8.8:53",
                        set("spec.dns.upstream", List.of("8.8.8.8:53"))),
                connector("spec.dns.upstream", "must have at most 8 items",
                        set("spec.dns.upstream", many(9, i -> "192.0.2." + i))),
                // replicas, resources
                connector("spec.replicas", "greater than or equal to 0", set("spec.replicas", -1)),
                connector("spec.replicas", "less than or equal to 20", set("spec.replicas", 21)),
                connector("spec.replicas", "must be of type integer", set("spec.replicas", "two")),
                connector("spec.resources.limits", "not a quantity such as 500m, 2 or 256Mi: the value of cpu",
                        set("spec.resources", Map.of("limits", Map.of("cpu", "lots")))),
                connector("spec.resources.requests", "not a quantity such as 500m, 2 or 256Mi: the value of memory",
                        set("spec.resources", Map.of("requests", Map.of("memory", "1 GB")))),
                // IPSet
                ipSet("metadata.name", "RFC 1123", set("metadata.name", "Vendors")),
                ipSet("spec.addresses", "not an address, CIDR or range a-b of one family: vendor.example",
                        set("spec.addresses", List.of("vendor.example"))),
                ipSet("spec.addresses", "not an address, CIDR or range a-b of one family: 192.0.2.0/33",
                        set("spec.addresses", List.of("192.0.2.0/33"))),
                ipSet("spec.addresses", "not an address, CIDR or range a-b of one family: 192.0.2.1-2001:db8::1",
                        set("spec.addresses", List.of("192.0.2.1-2001:db8::1"))),
                ipSet("spec.addresses", "not an address, CIDR or range a-b of one family: 192.0.2.1-",
                        set("spec.addresses", List.of("192.0.2.1-"))),
                ipSet("spec.addresses", "not an address, CIDR or range a-b of one family: 192.0.2.1-192.0.2.5-192.0.2.9",
                        set("spec.addresses", List.of("192.0.2.1-192.0.2.5-192.0.2.9"))),
                ipSet("spec.addresses", "range start is after its end: 192.0.2.20-192.0.2.10",
                        set("spec.addresses", List.of("192.0.2.20-192.0.2.10"))),
                ipSet("spec.addresses[0]", "83", set("spec.addresses", List.of("1".repeat(84)))),
                ipSet("spec.addresses", "must have at most 1024 items",
                        set("spec.addresses", many(1025, i -> "10.1." + (i / 256) + "." + (i % 256)))),
                ipSet("spec.exclude", "not an address, CIDR or range a-b of one family: everything",
                        set("spec.exclude", List.of("everything"))),
                ipSet("spec.exclude", "range start is after its end: 192.0.2.9-192.0.2.1",
                        set("spec.exclude", List.of("192.0.2.9-192.0.2.1"))),
                ipSet("spec.include[0].name", "not an object name", set("spec.include", List.of(Map.of("name",
                        "Other_Set")))),
                ipSet("spec.include[0].name", "Required value", set("spec.include", List.of(Map.of()))),
                ipSet("spec.include", "must have at most 64 items",
                        set("spec.include", many(65, i -> "s" + i).stream().map(n -> Map.of("name", n)).toList())),
                ipSet("spec.appConnectors.matchExpressions[0].operator", "supported values: \"DoesNotExist\"",
                        set("spec.appConnectors.matchExpressions", List.of(Map.of("key", "team", "operator",
                                "Matches", "values", List.of("pay"))))),
                ipSet("spec.appConnectors.matchExpressions[0].operator", "Required value",
                        set("spec.appConnectors.matchExpressions", List.of(Map.of("key", "team",
                                "values", List.of("pay"))))),
                ipSet("spec.appConnectors.matchExpressions[0].key", "Required value",
                        set("spec.appConnectors.matchExpressions", List.of(Map.of("operator", "Exists")))),
                ipSet("spec.appConnectors.matchExpressions[0].values", "operator In needs at least one value",
                        set("spec.appConnectors.matchExpressions", List.of(Map.of("key", "team", "operator",
                                "In")))),
                ipSet("spec.appConnectors.matchExpressions[0].values", "operator Exists takes no values",
                        set("spec.appConnectors.matchExpressions", List.of(Map.of("key", "team", "operator",
                                "Exists", "values", List.of("pay"))))),
                ipSet("spec.appConnectors.matchLabels.team", "must be of type string",
                        set("spec.appConnectors.matchLabels", Map.of("team", List.of("pay")))));
    }

    @ParameterizedTest(name = "[{index}] refused: {0}")
    @MethodSource("refusals")
    @Order(1)
    void theApiServerRefusesNamingTheFieldAndWhatIsExpected(Refusal refusal) {
        Object base = refusal.kind().equals("IPSet") ? goodSet("good-set") : good();
        GenericKubernetesResource bad = ManifestEdit.apply(base, refusal.edits());
        assertThatThrownBy(() -> client.resource(bad).inNamespace(ns).dryRun().create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    String message = e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage();
                    assertThat(e.getCode()).as(message).isEqualTo(422);
                    assertThat(message).contains(refusal.field()).contains(refusal.expected())
                            .doesNotContain("should match '^");
                });
    }

    // ---------------------------------------------------------------------------------------------------------
    // Accepted by the API server, refused by the operator: Degraded naming the field, the last good config kept.

    /** A spec the API server accepts and the operator must not render. */
    record Rejection(List<ManifestEdit> edits, String reason, String expected) {
        @Override
        public String toString() {
            return edits.toString();
        }
    }

    private static Arguments rejected(String reason, String expected, ManifestEdit... edits) {
        return Arguments.of(new Rejection(List.of(edits), reason, expected));
    }

    static Stream<Arguments> rejections() {
        return Stream.of(
                rejected("InvalidSpec", "spec.clients[0].address: \"10.9.9.9/32\"",
                        set("spec.clients[0].address", "10.9.9.9/32")),
                rejected("InvalidSpec", "spec.clients[0].address: \"2001:db8::2/128\"",
                        set("spec.clients[0].address", "2001:db8::2/128")),
                rejected("InvalidSpec", "spec.clients[0].address: \"100.96.0.1/32\"",
                        set("spec.clients[0].address", "100.96.0.1/32")),
                rejected("InvalidSpec", "spec.routes.cidrs[0]", set("spec.routes.cidrs", List.of("100.96.0.0/24"))),
                rejected("InvalidSpec", "spec.routes.cidrs[0]", set("spec.routes.cidrs", List.of("100.80.0.0/16"))),
                rejected("InvalidSpec", "spec.tunnel.appRange", set("spec.tunnel.appRange", "100.96.0.0/16")),
                rejected("InvalidSpec", "spec.domains", set("spec.domains", List.of("*.com"))),
                rejected("InvalidSpec", "spec.clients[0].publicKey", set("spec.clients[0].publicKey", ZERO_KEY)),
                rejected("InvalidSpec", "spec.egress.elasticIP", set("spec.egress.elasticIP", "0.0.0.0")),
                rejected("InvalidSpec", "spec.egress.verify.url: \"http://169.254.169.254/latest/meta-data/\"",
                        set("spec.egress.verify.url", "http://169.254.169.254/latest/meta-data/")),
                rejected("InvalidSpec", "spec.egress.verify.url: \"http://[::ffff:169.254.169.254]/\"",
                        set("spec.egress.verify.url", "http://[::ffff:169.254.169.254]/")),
                rejected("InvalidSpec", "host 2852039166 is not a plain dotted-quad",
                        set("spec.egress.verify.url", "http://2852039166/")),
                rejected("InvalidSpec", "cluster-internal or metadata name",
                        set("spec.egress.verify.url", "http://metadata.google.internal/computeMetadata/v1/")),
                rejected("InvalidSpec", "cluster-internal or metadata name",
                        set("spec.egress.verify.url", "https://kubernetes.default.svc/api")),
                rejected("InvalidSpec", "cluster-internal or metadata name",
                        set("spec.egress.verify.url", "http://vault:8200/v1/secret")),
                rejected("InvalidSpec", "link-local, metadata, loopback or private address",
                        set("spec.egress.verify.url", "http://10.96.0.1/")),
                rejected("InvalidSpec", "spec.egress.natGateway.tolerations[0].key",
                        set("spec.egress.natGateway.tolerations[0].key", "bad key!")),
                rejected("InvalidSpec", "spec.egress.natGateway.nodeSelector",
                        set("spec.egress.natGateway.nodeSelector", Map.of("bad key!", "x"))),
                rejected("InvalidSpec", "spec.resources.requests",
                        set("spec.resources", Map.of("limits", Map.of("cpu", "100m"),
                                "requests", Map.of("cpu", "2")))),
                rejected("InvalidSpec", "spec.service.annotations",
                        set("spec.service.annotations", Map.of("bad key!", "x"))),
                rejected("IPSetNotReady", "spec.routes.ipSets: IPSet \"never-created\" not found",
                        set("spec.routes.ipSets", List.of(Map.of("name", "never-created")))));
    }

    @ParameterizedTest(name = "[{index}] degraded: {0}")
    @MethodSource("rejections")
    @Order(2)
    void theOperatorKeepsTheLastGoodConfigAndNamesTheField(Rejection rejection) {
        applyConnector(ManifestEdit.apply(good(), rejection.edits()));
        AppConnector degraded = await().atMost(WAIT).alias("Degraded " + rejection.reason())
                .until(() -> current(VICTIM), c -> observed(c) && condition(c, "Degraded").map(d ->
                        "True".equals(d.getStatus()) && rejection.reason().equals(d.getReason())).orElse(false));
        assertThat(condition(degraded, "Degraded").orElseThrow().getMessage()).contains(rejection.expected())
                .doesNotContain("Failure executing").doesNotContain("https://127.0.0.1");
        assertThat(condition(degraded, "Ready").orElseThrow().getStatus()).isEqualTo("False");
        assertThat(configData(VICTIM)).contains(goodConfig);

        applyConnector(ManifestEdit.apply(good(), List.of()));
        awaitSettled(VICTIM);
        assertThat(configData(VICTIM)).contains(goodConfig);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Cases with their own story.

    @Test
    @Order(3)
    void aChildNameAlreadyTakenByAnotherObjectIsReportedNotRetriedWithStackTraces() {
        client.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("squatter-key")
                .withNamespace(ns).endMetadata().addToStringData("note", "someone else's").build()).create();
        client.resource(TestObjects.connector(ns, "squatter")).create();
        AppConnector degraded = await().atMost(WAIT).until(() -> current("squatter"), c -> condition(c, "Degraded")
                .map(d -> "True".equals(d.getStatus())).orElse(false));
        assertThat(condition(degraded, "Degraded").orElseThrow().getMessage())
                .contains("Secret squatter-key already exists and is not this AppConnector's");
        client.secrets().inNamespace(ns).withName("squatter-key").delete();
        awaitSettled("squatter");
    }

    @Test
    @Order(4)
    void aConnectorAppliedTogetherWithItsIpSetNeverGoesDegradedNorWarns() {
        AppConnector together = TestObjects.connector(ns, "together");
        together.getSpec().getRoutes().setIpSets(List.of(new dev.pinhole.api.ObjectReference("together-set")));
        client.resource(together).create();
        client.resource(goodSet("together-set")).create();
        AppConnector settled = awaitSettled("together");
        assertThat(configData("together").orElseThrow().get("connector.json")).contains("192.0.2.0/28");
        assertThat(warnings("together")).isEmpty();
        assertThat(condition(settled, "Degraded").orElseThrow().getStatus()).isEqualTo("False");
    }

    @Test
    @Order(5)
    void deletingAnIpSetAConnectorRoutesThroughIsReportedAndItsCidrsStayUntilTheReferenceGoes() {
        // Decided: a referenced IPSet that disappears is a spec that cannot be rendered; the last good config (with
        // the set's CIDRs) stays in force, the connector says so, and dropping the reference withdraws them.
        AppConnector c = current("together");
        await().atMost(WAIT).until(() -> isOlderThan(c, Duration.ofSeconds(6)));
        String before = configData("together").orElseThrow().get("connector.json");
        client.resources(IPSet.class).inNamespace(ns).withName("together-set").delete();
        AppConnector degraded = await().atMost(WAIT).until(() -> current("together"), x -> condition(x, "Degraded")
                .map(d -> "True".equals(d.getStatus()) && "IPSetNotReady".equals(d.getReason())).orElse(false));
        assertThat(condition(degraded, "Degraded").orElseThrow().getMessage())
                .contains("spec.routes.ipSets: IPSet \"together-set\" not found")
                .contains("stay in force until spec.routes.ipSets no longer names it");
        assertThat(configData("together").orElseThrow().get("connector.json")).isEqualTo(before);
        client.resources(AppConnector.class).inNamespace(ns).withName("together").edit(x -> {
            x.getSpec().getRoutes().setIpSets(null);
            return x;
        });
        awaitSettled("together");
        assertThat(configData("together").orElseThrow().get("connector.json")).doesNotContain("192.0.2.0/28");
    }

    @Test
    @Order(6)
    void anIpSetThatCannotResolveIsReadyFalseWithAnEmptyListAndItsConnectorKeepsTheLastGoodRoutes() {
        client.resource(goodSet("vendors")).create();
        AppConnector user = TestObjects.connector(ns, "vendor-user");
        user.getSpec().getRoutes().setIpSets(List.of(new dev.pinhole.api.ObjectReference("vendors")));
        client.resource(user).create();
        awaitSettled("vendor-user");
        String before = configData("vendor-user").orElseThrow().get("connector.json");
        assertThat(before).contains("192.0.2.0/28");
        for (var bad : List.of(List.of("2001:db8::20-2001:db8::10"), List.of("192.0.2.0/28", "2001:db8::9-2001:db8::1"))) {
            client.resources(IPSet.class).inNamespace(ns).withName("vendors").edit(s -> {
                s.getSpec().setAddresses(new ArrayList<>(bad));
                return s;
            });
            IPSet invalid = await().atMost(WAIT).until(() -> client.resources(IPSet.class).inNamespace(ns)
                    .withName("vendors").get(), s -> s.getStatus() != null && Objects.equals(
                    s.getStatus().getObservedGeneration(), s.getMetadata().getGeneration())
                    && s.getStatus().getConditions().stream().anyMatch(x -> "Ready".equals(x.getType())
                    && "False".equals(x.getStatus())));
            assertThat(invalid.getStatus().getCidrs()).isEmpty();
            assertThat(invalid.getStatus().getConditions()).anySatisfy(x ->
                    assertThat(x.getMessage()).contains("spec.addresses[" + (bad.size() - 1) + "]"));
            await().atMost(WAIT).until(() -> current("vendor-user"), x -> condition(x, "Degraded").map(d ->
                    "True".equals(d.getStatus()) && d.getMessage().contains("IPSet \"vendors\" is not Ready"))
                    .orElse(false));
            assertThat(configData("vendor-user").orElseThrow().get("connector.json")).isEqualTo(before);
        }
        client.resources(IPSet.class).inNamespace(ns).withName("vendors").edit(s -> {
            s.getSpec().setAddresses(new ArrayList<>(List.of("192.0.2.0/28")));
            return s;
        });
        awaitSettled("vendor-user");
    }

    @Test
    @Order(7)
    void anIpSetWithAnUnknownIncludeOrACycleIsInvalidNamingIt() {
        client.resource(TestObjects.ipSet(ns, "dangling", List.of("192.0.2.1"), "nowhere")).create();
        IPSet dangling = await().atMost(WAIT).until(() -> client.resources(IPSet.class).inNamespace(ns)
                .withName("dangling").get(), s -> s.getStatus() != null && !s.getStatus().getConditions().isEmpty());
        assertThat(dangling.getStatus().getConditions()).anySatisfy(c -> {
            assertThat(c.getReason()).isEqualTo("UnknownReference");
            assertThat(c.getMessage()).contains("spec.include[0]: IPSet \"nowhere\" not found");
        });
    }

    @Test
    @Order(8)
    void deletingANamespaceIsQuiet() throws Exception {
        String doomed = E2ECluster.createNamespace(client, "bad-input-doomed");
        for (int i = 0; i < 3; i++) {
            client.resource(TestObjects.connector(doomed, "doomed-" + i)).create();
        }
        await().atMost(WAIT).until(() -> client.apps().deployments().inNamespace(doomed).list().getItems().size() == 3);
        int linesBefore = operator.logLines().size();
        client.namespaces().withName(doomed).delete();
        await().atMost(WAIT).until(() -> client.namespaces().withName(doomed).get() == null);
        Thread.sleep(3_000);  // a retry would come within the backoff's first steps
        List<String> after = operator.logLines().subList(linesBefore, operator.logLines().size());
        assertThat(StackTraceLines.in(after)).as("stack traces in %s", operator.logLocation()).isEmpty();
        assertThat(after).filteredOn(l -> l.contains("ERROR") || l.contains("WARN") && l.contains(doomed))
                .as("errors in %s", operator.logLocation()).isEmpty();
    }

    @Test
    @Order(100)
    void theOperatorLoggedNoStackTraceForAnyOfIt() {
        assertThat(operator.isAlive()).isTrue();
        assertThat(StackTraceLines.in(operator.logLines())).as("stack traces in %s", operator.logLocation())
                .isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Replaces the whole object, as {@code kubectl replace} does (retrying when the operator wrote its status). */
    private static void applyConnector(GenericKubernetesResource desired) {
        desired.getMetadata().setNamespace(ns);
        await().atMost(WAIT).ignoreExceptionsMatching(e -> e instanceof KubernetesClientException k
                && k.getCode() == 409).until(() -> {
                    desired.getMetadata().setResourceVersion(current(desired.getMetadata().getName()).getMetadata()
                            .getResourceVersion());
                    client.resource(desired).update();
                    return true;
                });
    }

    private static AppConnector current(String name) {
        return client.resources(AppConnector.class).inNamespace(ns).withName(name).get();
    }

    private static boolean observed(AppConnector c) {
        return c != null && c.getStatus() != null && c.getStatus().getObservedGeneration() != null
                && c.getStatus().getObservedGeneration().equals(c.getMetadata().getGeneration());
    }

    private static Optional<Condition> condition(AppConnector c, String type) {
        return c.getStatus() == null || c.getStatus().getConditions() == null ? Optional.empty()
                : c.getStatus().getConditions().stream().filter(x -> type.equals(x.getType())).findFirst();
    }

    /** The current generation observed, not Degraded, and the rendered config written. */
    private static AppConnector awaitSettled(String name) {
        return await().atMost(WAIT).alias(name + " settled").until(() -> current(name), c -> observed(c)
                && condition(c, "Degraded").map(d -> "False".equals(d.getStatus())).orElse(false)
                && condition(c, "Ready").isPresent() && configData(name).isPresent());
    }

    private static Optional<Map<String, String>> configData(String name) {
        ConfigMap cm = client.configMaps().inNamespace(ns).withName(name + "-config").get();
        return Optional.ofNullable(cm).map(ConfigMap::getData);
    }

    private static boolean isOlderThan(HasMetadata o, Duration age) {
        return java.time.Instant.parse(o.getMetadata().getCreationTimestamp()).plus(age)
                .isBefore(java.time.Instant.now());
    }

    private static List<String> warnings(String name) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType()))
                .map(e -> e.getReason() + ": " + e.getMessage()).toList();
    }

}
