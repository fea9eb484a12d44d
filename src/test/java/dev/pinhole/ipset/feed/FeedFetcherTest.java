package dev.pinhole.ipset.feed;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.ForbiddenAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fetcher against a real local HTTPS server ({@link LocalFeedServer}: a self-signed certificate for
 * feeds.test made here by keytool). The server listens on loopback, which the tests' policy reaches only through
 * a static route naming 127.0.0.1/32; "feeds.test" resolves only through the fake resolver, so every successful
 * fetch also proves the connection went to the address the policy checked.
 */
class FeedFetcherTest {
    private static final String BODY = "192.0.2.0/24\n198.51.100.0/24\n";
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    static Path dir;
    private static LocalFeedServer server;
    private static SSLContext clientTls;
    private static final List<String> requests = new CopyOnWriteArrayList<>();
    private static final List<String> conditionalHeaders = new CopyOnWriteArrayList<>();

    private Map<String, List<InetAddress>> dns;

    @BeforeAll
    static void startServers() throws Exception {
        server = LocalFeedServer.start(dir, FeedFetcherTest::handle);
        clientTls = server.clientTls();
    }

    @AfterAll
    static void stopServers() {
        server.close();
    }

    @BeforeEach
    void reset() {
        requests.clear();
        conditionalHeaders.clear();
        dns = new java.util.HashMap<>(Map.of("feeds.test", List.of(LOOPBACK), "mirror.test", List.of(LOOPBACK),
                "wrongcert.test", List.of(LOOPBACK)));
    }

    private static void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(path);
        String inm = exchange.getRequestHeaders().getFirst("If-None-Match");
        if (inm != null) {
            conditionalHeaders.add(inm);
        }
        byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
        switch (path) {
            case "/ips" -> {
                exchange.getResponseHeaders().add("ETag", "\"v1\"");
                if ("\"v1\"".equals(inm)) {
                    exchange.sendResponseHeaders(304, -1);
                } else {
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                }
            }
            case "/chunked-huge" -> {
                exchange.sendResponseHeaders(200, 0);
                byte[] block = new byte[4096];
                java.util.Arrays.fill(block, (byte) '#');
                try {
                    for (int i = 0; i < 64; i++) {
                        exchange.getResponseBody().write(block);
                    }
                } catch (IOException clientGone) {
                    // the fetcher stops reading at its cap
                }
            }
            case "/declared-huge" -> exchange.sendResponseHeaders(200, 10_000_000);
            case "/slow" -> {
                exchange.sendResponseHeaders(200, body.length);
                try {
                    for (byte b : body) {
                        exchange.getResponseBody().write(b);
                        exchange.getResponseBody().flush();
                        Thread.sleep(200);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (IOException clientGone) {
                    // the fetcher hung up at its deadline
                }
            }
            default -> {
                if (path.startsWith("/redirect/")) {
                    exchange.getResponseHeaders().add("Location", path.substring("/redirect/".length())
                            .replace("_", "/").replace("PORT", String.valueOf(server.httpsPort())));
                    exchange.sendResponseHeaders(302, -1);
                } else if (path.equals("/loop")) {
                    exchange.getResponseHeaders().add("Location", "/loop");
                    exchange.sendResponseHeaders(301, -1);
                } else {
                    exchange.sendResponseHeaders(404, -1);
                }
            }
        }
        exchange.close();
    }

    private FeedFetcher fetcher(Set<String> hosts, Set<String> plainHttp, List<Cidr> routes,
            FeedFetcher.Limits limits) {
        FeedHostPolicy policy = new FeedHostPolicy(hosts, plainHttp, new ForbiddenAddresses(
                FeedHostPolicy.forbiddenBlocks(ForbiddenAddresses.DEFAULT_CLUSTER_RANGES), routes));
        FeedFetcher.HostResolver resolver = host -> {
            List<InetAddress> addresses = dns.get(host);
            if (addresses == null) {
                throw new UnknownHostException(host);
            }
            return addresses;
        };
        return new FeedFetcher(policy, resolver, clientTls, limits, System::nanoTime);
    }

    /** Allows feeds.test and mirror.test; loopback reachable only because the test names 127.0.0.1/32. */
    private FeedFetcher fetcher() {
        return fetcher(Set.of("feeds.test", "mirror.test", "wrongcert.test"), Set.of(),
                List.of(Cidr.parse("127.0.0.1/32")), FeedFetcher.Limits.DEFAULT);
    }

    private static URI https(String host, String path) {
        return URI.create("https://" + host + ":" + server.httpsPort() + path);
    }

    @Test
    void fetchesFromAnAllowedHostAtTheAddressItChecked() {
        FeedFetcher.Outcome outcome = fetcher().fetch(https("feeds.test", "/ips"), FeedFetcher.Validators.NONE);

        assertThat(outcome).isInstanceOf(FeedFetcher.Fetched.class);
        FeedFetcher.Fetched fetched = (FeedFetcher.Fetched) outcome;
        assertThat(new String(fetched.body(), StandardCharsets.US_ASCII)).isEqualTo(BODY);
        assertThat(fetched.validators().etag()).contains("\"v1\"");
    }

    @Test
    void anAddressThatRefusesTheConnectionIsPassedForTheNextCheckedOne() {
        // 127.0.0.2 is local but nothing listens there on the server's port: refused at once, as a dead replica is.
        dns.put("feeds.test", List.of(address("127.0.0.2"), LOOPBACK));
        FeedFetcher fetcher = fetcher(Set.of("feeds.test"), Set.of(), List.of(Cidr.parse("127.0.0.1/32"),
                Cidr.parse("127.0.0.2/32")), FeedFetcher.Limits.DEFAULT);

        FeedFetcher.Outcome outcome = fetcher.fetch(https("feeds.test", "/ips"), FeedFetcher.Validators.NONE);

        assertThat(outcome).isInstanceOf(FeedFetcher.Fetched.class);
    }

    @Test
    void whenEveryAddressRefusesTheFailureNamesTheLastTried() {
        dns.put("feeds.test", List.of(address("127.0.0.2"), address("127.0.0.3")));
        FeedFetcher fetcher = fetcher(Set.of("feeds.test"), Set.of(), List.of(Cidr.parse("127.0.0.2/32"),
                Cidr.parse("127.0.0.3/32")), FeedFetcher.Limits.DEFAULT);

        FeedFetcher.Outcome outcome = fetcher.fetch(https("feeds.test", "/ips"), FeedFetcher.Validators.NONE);

        assertThat(outcome).isInstanceOf(FeedFetcher.Failed.class);
        assertThat(((FeedFetcher.Failed) outcome).reason()).contains("2 addresses").contains("127.0.0.3");
    }

    @Test
    void aHostTheAdminDidNotListIsNeverContacted() {
        dns.put("kubernetes.default.svc", List.of(LOOPBACK));

        FeedFetcher.Outcome outcome = fetcher().fetch(https("kubernetes.default.svc", "/ips"),
                FeedFetcher.Validators.NONE);

        assertThat(outcome).isEqualTo(new FeedFetcher.Refused(
                "host \"kubernetes.default.svc\" is not in the operator's allowed feed hosts"));
        assertThat(requests).isEmpty();
    }

    @Test
    void anAllowedNameThatResolvesToMetadataIsRefused() {
        dns.put("feeds.test", List.of(address("169.254.169.254")));

        assertThat(fetcher().fetch(https("feeds.test", "/ips"), FeedFetcher.Validators.NONE))
                .isEqualTo(new FeedFetcher.Refused("host \"feeds.test\" resolves to 169.254.169.254, inside the"
                        + " forbidden block 169.254.169.254/32 (cloud metadata)"));
    }

    @Test
    void oneForbiddenAddressAmongPublicOnesRefusesTheHost() {
        dns.put("feeds.test", List.of(address("192.0.2.10"), address("10.96.0.1")));

        FeedFetcher.Outcome outcome = fetcher(Set.of("feeds.test"), Set.of(), List.of(), FeedFetcher.Limits.DEFAULT)
                .fetch(https("feeds.test", "/ips"), FeedFetcher.Validators.NONE);

        assertThat(outcome).isInstanceOf(FeedFetcher.Refused.class);
        assertThat(((FeedFetcher.Refused) outcome).reason()).contains("10.96.0.1");
    }

    @Test
    void loopbackSpelledAsIpv4MappedIpv6IsRefused() {
        dns.put("feeds.test", List.of(address("::ffff:127.0.0.1")));

        FeedFetcher.Outcome outcome = fetcher(Set.of("feeds.test"), Set.of(), List.of(), FeedFetcher.Limits.DEFAULT)
                .fetch(https("feeds.test", "/ips"), FeedFetcher.Validators.NONE);

        assertThat(outcome).isInstanceOf(FeedFetcher.Refused.class);
        assertThat(requests).isEmpty();
    }

    @Test
    void plainHttpIsRefusedUnlessTheAdminAllowsItForTheHost() {
        URI plain = URI.create("http://feeds.test:" + server.httpPort() + "/ips");

        assertThat(fetcher().fetch(plain, FeedFetcher.Validators.NONE))
                .isEqualTo(new FeedFetcher.Refused("plain http is not allowed for host \"feeds.test\""));
        assertThat(fetcher(Set.of("feeds.test"), Set.of("feeds.test"), List.of(Cidr.parse("127.0.0.1/32")),
                FeedFetcher.Limits.DEFAULT).fetch(plain, FeedFetcher.Validators.NONE))
                .isInstanceOf(FeedFetcher.Fetched.class);
    }

    @Test
    void userInfoAndOtherSchemesAreRefused() {
        assertThat(fetcher().fetch(URI.create("https://user:pw@feeds.test/ips"), FeedFetcher.Validators.NONE))
                .isEqualTo(new FeedFetcher.Refused("user info in the URL is not allowed"));
        assertThat(fetcher().fetch(URI.create("file:///etc/passwd"), FeedFetcher.Validators.NONE))
                .isInstanceOf(FeedFetcher.Refused.class);
        assertThat(fetcher().fetch(URI.create("ftp://feeds.test/ips"), FeedFetcher.Validators.NONE))
                .isEqualTo(new FeedFetcher.Refused("scheme \"ftp\" is not https"));
    }

    @Test
    void aRedirectToAHostTheAdminDidNotListIsRefused() {
        dns.put("evil.test", List.of(LOOPBACK));

        FeedFetcher.Outcome outcome = fetcher().fetch(https("feeds.test", "/redirect/https:__evil.test:PORT_ips"),
                FeedFetcher.Validators.NONE);

        assertThat(outcome).isInstanceOf(FeedFetcher.Refused.class);
        assertThat(((FeedFetcher.Refused) outcome).reason()).contains("redirect to https://evil.test")
                .contains("not in the operator's allowed feed hosts");
        assertThat(requests).containsExactly("/redirect/https:__evil.test:PORT_ips");
    }

    @Test
    void aRedirectToAnAllowedHostIsCheckedAndFollowed() {
        FeedFetcher.Outcome outcome = fetcher().fetch(
                https("feeds.test", "/redirect/https:__mirror.test:PORT_ips"), FeedFetcher.Validators.NONE);

        assertThat(outcome).isInstanceOf(FeedFetcher.Fetched.class);
        assertThat(((FeedFetcher.Fetched) outcome).from().getHost()).isEqualTo("mirror.test");
    }

    @Test
    void aRedirectToAPlainHttpUrlIsRefused() {
        FeedFetcher.Outcome outcome = fetcher().fetch(https("feeds.test", "/redirect/http:__feeds.test:PORT_ips"),
                FeedFetcher.Validators.NONE);

        assertThat(outcome).isInstanceOf(FeedFetcher.Refused.class);
    }

    @Test
    void redirectsAreBounded() {
        FeedFetcher.Outcome outcome = fetcher().fetch(https("feeds.test", "/loop"), FeedFetcher.Validators.NONE);

        assertThat(outcome).isEqualTo(new FeedFetcher.Failed("more than 3 redirects"));
        assertThat(requests).hasSize(4);
    }

    @Test
    void aDeclaredOversizeBodyIsRefusedWithoutReadingIt() {
        assertThat(fetcher().fetch(https("feeds.test", "/declared-huge"), FeedFetcher.Validators.NONE))
                .isEqualTo(new FeedFetcher.Failed("body of 10000000 bytes exceeds the cap of 8388608"));
    }

    @Test
    void aChunkedBodyIsCutAtTheCap() {
        FeedFetcher small = fetcher(Set.of("feeds.test"), Set.of(), List.of(Cidr.parse("127.0.0.1/32")),
                new FeedFetcher.Limits(Duration.ofSeconds(5), Duration.ofSeconds(20), 3, 64 * 1024));

        assertThat(small.fetch(https("feeds.test", "/chunked-huge"), FeedFetcher.Validators.NONE))
                .isEqualTo(new FeedFetcher.Failed("body exceeds the cap of 65536 bytes"));
    }

    @Test
    void aTricklingServerIsCutAtTheDeadline() {
        FeedFetcher impatient = fetcher(Set.of("feeds.test"), Set.of(), List.of(Cidr.parse("127.0.0.1/32")),
                new FeedFetcher.Limits(Duration.ofSeconds(5), Duration.ofMillis(1500), 3, 1 << 20));
        long start = System.nanoTime();

        FeedFetcher.Outcome outcome = impatient.fetch(https("feeds.test", "/slow"), FeedFetcher.Validators.NONE);

        assertThat(outcome).isEqualTo(new FeedFetcher.Failed("deadline passed while reading the response"));
        // generous functional bound: the body alone would take 30 x 200 ms = 6 s
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void theSecondFetchIsConditionalAndNotModifiedKeepsTheList() {
        FeedFetcher fetcher = fetcher();
        FeedFetcher.Fetched first = (FeedFetcher.Fetched) fetcher.fetch(https("feeds.test", "/ips"),
                FeedFetcher.Validators.NONE);

        FeedFetcher.Outcome second = fetcher.fetch(https("feeds.test", "/ips"), first.validators());

        assertThat(second).isEqualTo(new FeedFetcher.NotModified());
        assertThat(conditionalHeaders).containsExactly("\"v1\"");
    }

    @Test
    void aValidatorThatWouldSplitTheRequestIsNotSentBack() {
        FeedFetcher.Validators hostile = new FeedFetcher.Validators(Optional.of("\"x\"\r\nX-Injected: 1"),
                Optional.empty());

        assertThat(fetcher().fetch(https("feeds.test", "/ips"), hostile)).isInstanceOf(FeedFetcher.Fetched.class);
        assertThat(conditionalHeaders).isEmpty();
    }

    @Test
    void aCertificateForAnotherNameFails() {
        FeedFetcher.Outcome outcome = fetcher().fetch(https("wrongcert.test", "/ips"), FeedFetcher.Validators.NONE);

        assertThat(outcome).isInstanceOf(FeedFetcher.Failed.class);
        assertThat(((FeedFetcher.Failed) outcome).reason()).contains("SSLHandshakeException");
    }

    @Test
    void aNameThatDoesNotResolveFails() {
        dns.remove("feeds.test");

        assertThat(fetcher().fetch(https("feeds.test", "/ips"), FeedFetcher.Validators.NONE))
                .isEqualTo(new FeedFetcher.Failed("host \"feeds.test\" does not resolve"));
    }

    private static InetAddress address(String text) {
        return dev.pinhole.ipset.IpAddress.parse(text).toInetAddress();
    }
}
