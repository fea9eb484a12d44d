package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import dev.pinhole.api.AppConnector;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetSource;
import dev.pinhole.api.ObjectReference;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.feed.Fixtures;
import dev.pinhole.ipset.feed.LocalFeedServer;
import dev.pinhole.operator.TestObjects;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * IPSet sources on the real control plane (issue 18): the operator process fetches the github and aws presets
 * from a local HTTPS feed server (this JVM, at this machine's own address, with a certificate for that address),
 * pointed at by the operator settings the chart exposes (preset origins, a CA file, the cluster ranges). The set
 * resolves from the vendor-shaped fixtures, an AppConnector routes through it, and a change of the AWS feed
 * reaches the connector's ConfigMap at the next refresh (5 minutes, the floor) without touching its Deployment,
 * so no pod restarts (the connector reloads its mounted config in place).
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FeedSourcesE2ETest {
    /** The refresh floor plus its 10% jitter, the fetch and the reconciles after it. */
    private static final Duration REFRESH_WAIT = Duration.ofMinutes(7);
    private static final String ADDED = "18.200.0.0/16";

    @TempDir
    static Path dir;
    private static KubernetesClient client;
    private static OperatorUnderTest operator;
    private static LocalFeedServer server;
    private static String ns;
    private static volatile byte[] awsBody = Fixtures.read("aws-ip-ranges.json");
    private static final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws Exception {
        client = E2ECluster.connect(FeedSourcesE2ETest.class);
        Assumptions.assumeFalse(OperatorUnderTest.inCluster(),
                "the feed server runs in this JVM, beside a local operator process");
        InetAddress address = ownAddress();
        server = LocalFeedServer.start(dir, FeedSourcesE2ETest::handle, address, "ip:" + address.getHostAddress());
        Path ca = dir.resolve("feeds-ca.pem");
        Files.writeString(ca, server.certificatePem());
        String origin = "https://" + address.getHostAddress() + ":" + server.httpsPort();
        E2ECluster.installCrds(client);
        ns = E2ECluster.createNamespace(client, "feeds");
        operator = OperatorUnderTest.start(client, Map.of(
                "PINHOLE_FEEDS_PRESET_ORIGINS", "github=" + origin + ",aws=" + origin,
                "PINHOLE_FEEDS_CA_FILE", ca.toString(),
                "PINHOLE_FEEDS_CLUSTER_RANGES", clusterRangesApartFrom(address),
                // Its "own" namespace, where it keeps the feed cache key Secret.
                "POD_NAMESPACE", ns));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            E2ECluster.tearDown(client, ns, operator);
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private static void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(path);
        byte[] body = switch (path) {
            case "/meta" -> Fixtures.read("github-meta.json");
            case "/ip-ranges.json" -> awsBody;
            default -> null;
        };
        if (body == null) {
            exchange.sendResponseHeaders(404, -1);
        } else {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
        exchange.close();
    }

    /** An IPv4 address of this machine that is not loopback or link-local: where the operator reaches the server. */
    private static InetAddress ownAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLinkLocalAddress() && !a.isLoopbackAddress()) {
                    return a;
                }
            }
        }
        Assumptions.abort("no non-loopback IPv4 address to serve the feeds at");
        return null;
    }

    /** The default cluster ranges without the one holding the server's address (it stands for a vendor here). */
    private static String clusterRangesApartFrom(InetAddress address) {
        IpAddress ip = IpAddress.of(address);
        return ForbiddenAddresses.DEFAULT_CLUSTER_RANGES.stream()
                .filter(range -> range.family() != ip.family() || !range.contains(ip))
                .map(Cidr::toString).collect(Collectors.joining(","));
    }

    private static IPSetSource preset(String preset, List<String> services, List<String> regions) {
        IPSetSource source = new IPSetSource();
        source.setPreset(preset);
        source.setServices(services);
        source.setRegions(regions);
        source.setRefresh("5m");
        return source;
    }

    private static IPSet set() {
        return client.resources(IPSet.class).inNamespace(ns).withName("vendors").get();
    }

    private static String connectorConfig() {
        ConfigMap map = client.configMaps().inNamespace(ns).withName("routed-config").get();
        return map == null || map.getData() == null ? "" : map.getData().getOrDefault("connector.json", "");
    }

    @Test
    @Order(0)
    void theApiServerRefusesSourcesNamingWhatIsWrong() {
        IPSetSource tooOften = preset("aws", List.of("S3"), null);
        tooOften.setRefresh("1m");
        IPSetSource both = preset("github", List.of("hooks"), null);
        both.setUrl("https://feeds.example.com/r.txt");
        IPSetSource badService = preset("aws", List.of("S3]["), null);

        for (var bad : List.of(Map.entry(tooOften, "refresh must be a duration of at least 5m, got 1m"),
                Map.entry(both, "a source has either url (with format) or preset"),
                Map.entry(badService, "not a vendor name"))) {
            IPSet set = TestObjects.ipSet(ns, "refused", List.of());
            set.getSpec().setSources(List.of(bad.getKey()));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.resource(set).create())
                    .hasMessageContaining(bad.getValue());
        }
    }

    @Test
    @Order(1)
    void anIpSetWithGithubAndAwsPresetsResolvesFromTheLocalFeedServer() {
        IPSet set = TestObjects.ipSet(ns, "vendors", List.of());
        set.getSpec().setSources(List.of(preset("github", List.of("hooks"), null),
                preset("aws", List.of("S3"), List.of("eu-west-1"))));
        client.resource(set).create();
        AppConnector connector = TestObjects.connector(ns, "routed");
        connector.getSpec().getRoutes().setIpSets(List.of(new ObjectReference("vendors")));
        client.resource(connector).create();

        IPSet ready = await().atMost(E2ECluster.WAIT).until(FeedSourcesE2ETest::set, s -> s != null
                && s.getStatus() != null && s.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));

        assertThat(ready.getStatus().getCidrs()).containsExactly("3.5.64.0/21", "52.218.0.0/17",
                "185.199.108.0/22", "192.30.252.0/22", "2a05:d07a:a000::/40", "2a0a:a440::/29");
        assertThat(ready.getStatus().getSources()).extracting(s -> s.getName() + " " + s.getPrefixCount() + " "
                + s.getVersion()).containsExactly("github/hooks 3 null", "aws/S3@eu-west-1 3 1764950590");
        assertThat(ready.getStatus().getConditions()).anyMatch(c -> "Stale".equals(c.getType())
                && "False".equals(c.getStatus()));
        await().atMost(E2ECluster.WAIT).until(() -> connectorConfig().contains("52.218.0.0/17"));
        assertThat(client.v1().events().inNamespace(ns).list().getItems()).as("waiting for the first fetch is no"
                + " failure").noneMatch(e -> "SourceUnavailable".equals(e.getReason())
                        || "IPSetNotReady".equals(e.getReason()));
        ConfigMap cache = client.configMaps().inNamespace(ns).withName("vendors-feeds").get();
        assertThat(cache.getMetadata().getOwnerReferences()).singleElement()
                .matches(o -> "IPSet".equals(o.getKind()) && "vendors".equals(o.getName()));
        assertThat(cache.getMetadata().getAnnotations()).as("sealed with the operator's key")
                .containsKey("pinhole.dev/feed-cache-seal")
                .containsEntry("pinhole.dev/feed-cache-set-uid", ready.getMetadata().getUid());
        assertThat(client.secrets().inNamespace(ns).withName("pinhole-feed-cache-key").get())
                .as("the key Secret, created on first use").isNotNull();
    }

    @Test
    @Order(2)
    void aFeedChangeReachesTheConnectorsConfigWithoutAPodRestart() {
        Deployment before = await().atMost(E2ECluster.WAIT).until(
                () -> client.apps().deployments().inNamespace(ns).withName("routed").get(), d -> d != null);
        String json = new String(Fixtures.read("aws-ip-ranges.json"), StandardCharsets.UTF_8);
        awsBody = json.replaceFirst("\"prefixes\": \\[", "\"prefixes\": [\n    {\"ip_prefix\": \"" + ADDED
                + "\", \"region\": \"eu-west-1\", \"service\": \"S3\", \"network_border_group\": \"eu-west-1\"},")
                .getBytes(StandardCharsets.UTF_8);

        await().atMost(REFRESH_WAIT).pollInterval(Duration.ofSeconds(5))
                .until(() -> connectorConfig().contains(ADDED));

        assertThat(set().getStatus().getCidrs()).contains(ADDED);
        Deployment after = client.apps().deployments().inNamespace(ns).withName("routed").get();
        assertThat(after.getMetadata().getGeneration()).as("the Deployment never changed: no pod restarted")
                .isEqualTo(before.getMetadata().getGeneration());
        assertThat(after.getSpec().getTemplate().getMetadata().getAnnotations().get("pinhole.dev/restart-hash"))
                .isEqualTo(before.getSpec().getTemplate().getMetadata().getAnnotations().get("pinhole.dev/restart-hash"));
        List<Event> events = client.v1().events().inNamespace(ns).list().getItems();
        assertThat(events).extracting(Event::getMessage).contains("aws/S3@eu-west-1: +1 \u22120 CIDRs");
    }
}
