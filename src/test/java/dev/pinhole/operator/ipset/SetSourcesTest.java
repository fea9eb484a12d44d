package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetSource;
import dev.pinhole.api.IPSetSpec;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.ipset.feed.FeedFetcher;
import dev.pinhole.ipset.feed.FeedHostPolicy;
import dev.pinhole.ipset.feed.FeedContent;
import dev.pinhole.ipset.feed.FeedLimits;
import dev.pinhole.ipset.feed.FeedSourceState;
import dev.pinhole.ipset.feed.FeedPreset;
import dev.pinhole.ipset.feed.Fixtures;
import dev.pinhole.ipset.feed.LocalFeedServer;
import dev.pinhole.testing.MutableClock;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An IPSet's sources as the operator follows them, one reconcile at a time: the plans from the spec, the
 * refresher fetching from a real local HTTPS server (vendor-shaped fixtures), the resolver folding the lists into
 * the set with its exclusions, and the feed cache kept as the reconciler keeps it. Fetches run on the calling
 * thread here, so each reconcile sees the outcome of the fetch it started. "feeds.test" and the preset hosts
 * resolve only through the test's DNS, to loopback, which the policy reaches through a route naming 127.0.0.1/32.
 */
class SetSourcesTest {
    private static final String NS = "team-a";

    @TempDir
    static Path dir;
    private static LocalFeedServer server;
    /** What the server answers per path: status, body, Location. */
    private static final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private static final List<String> requests = new CopyOnWriteArrayList<>();
    /** ETags the server sends per path (and answers 304 to when a request names it). */
    private static final Map<String, String> etags = new ConcurrentHashMap<>();

    private record Answer(int status, byte[] body, String location) {}

    private final MutableClock clock = new MutableClock();
    private final Map<String, List<InetAddress>> dns = new HashMap<>();
    private final Map<String, ConfigMap> caches = new HashMap<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** The operator installation's cache key: survives restarts (it lives in a Secret). */
    private final FeedCacheSeal seal = FeedCacheSeal.ephemeral();
    /** How a reconcile gets the key: the installation's, unless a test reads it from an API server. */
    private java.util.function.Supplier<Optional<FeedCacheSeal>> key = () -> Optional.of(seal);
    /** The validators each fetch was made with, in order. */
    private final List<FeedFetcher.Validators> sentValidators = new CopyOnWriteArrayList<>();
    private FeedRefresher refresher;
    private FeedMetrics feedMetrics;
    /** Thrown by the next fetches when set (what a parse of a huge body can throw). */
    private Error errorDuringFetch;
    private SourcePlans plans;

    @BeforeAll
    static void startServer() throws Exception {
        server = LocalFeedServer.start(dir, SetSourcesTest::handle);
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    private static void handle(HttpExchange exchange) throws IOException {
        requests.add(exchange.getRequestURI().getPath());
        if (exchange.getRequestURI().getPath().equals("/slow")) {
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Answer answer = answers.getOrDefault(exchange.getRequestURI().getPath(), new Answer(404, new byte[0], null));
        String etag = etags.get(exchange.getRequestURI().getPath());
        if (etag != null) {
            if (etag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.sendResponseHeaders(304, -1);
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().add("ETag", etag);
        }
        if (answer.location() != null) {
            exchange.getResponseHeaders().add("Location", answer.location());
        }
        exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
        if (answer.body().length > 0) {
            exchange.getResponseBody().write(answer.body());
        }
        exchange.close();
    }

    @BeforeEach
    void reset() {
        answers.clear();
        requests.clear();
        etags.clear();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        dns.put("feeds.test", List.of(loopback));
        dns.put("mirror.test", List.of(loopback));
        restartOperator();
    }

    /** A new refresher and plans, as a restarted operator has: only the caches survive. */
    private void restartOperator() {
        URI origin = URI.create("https://feeds.test:" + server.httpsPort());
        PresetOrigins origins = new PresetOrigins(Map.of(FeedPreset.GITHUB, origin, FeedPreset.AWS, origin));
        FeedHostPolicy policy = new FeedHostPolicy(Set.of("feeds.test", "mirror.test", "inside.test"), Set.of(),
                new ForbiddenAddresses(FeedHostPolicy.forbiddenBlocks(ForbiddenAddresses.DEFAULT_CLUSTER_RANGES),
                        List.of(Cidr.parse("127.0.0.1/32"))));
        feedMetrics = feedMetrics == null ? new FeedMetrics(registry, clock) : feedMetrics;
        FeedFetcher fetcher = new FeedFetcher(policy, this::resolve, server.clientTls(),
                new FeedFetcher.Limits(Duration.ofSeconds(2), Duration.ofSeconds(5), 3, 64 * 1024),
                System::nanoTime);
        refresher = new FeedRefresher(new SharedFetches((url, previous) -> {
            if (errorDuringFetch != null) {
                throw errorDuringFetch;
            }
            sentValidators.add(previous);
            return fetcher.fetch(url, previous);
        }, clock, SharedFetches.REUSE_FOR, SharedFetches.MAX_KEPT_BYTES), new FeedLimits(64 * 1024, 1_000), Runnable::run, clock, feedMetrics);
        plans = new SourcePlans(origins, policy, 0.5);
    }

    private List<InetAddress> resolve(String host) throws UnknownHostException {
        List<InetAddress> addresses = dns.get(host);
        if (addresses == null) {
            throw new UnknownHostException(host);
        }
        return addresses;
    }

    private static IPSetSource preset(String preset, List<String> services, List<String> regions) {
        IPSetSource source = new IPSetSource();
        source.setPreset(preset);
        source.setServices(services);
        source.setRegions(regions);
        return source;
    }

    private static IPSetSource json(String url, String select) {
        IPSetSource source = new IPSetSource();
        source.setUrl(url);
        source.setFormat("json");
        source.setSelect(List.of(select));
        return source;
    }

    private static IPSetSource text(String url) {
        IPSetSource source = new IPSetSource();
        source.setUrl(url);
        source.setFormat("text");
        return source;
    }

    private String url(String path) {
        return "https://feeds.test:" + server.httpsPort() + path;
    }

    private static IPSet set(String name, List<IPSetSource> sources, String... exclude) {
        IPSet set = new IPSet();
        set.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withUid("uid-" + name).build());
        IPSetSpec spec = new IPSetSpec();
        spec.setSources(sources);
        spec.setExclude(List.of(exclude));
        set.setSpec(spec);
        return set;
    }

    /**
     * One reconcile of {@code set}: what it resolves to; the cache is written as the reconciler writes it, and the
     * set's status.sources as the reconciler writes them (not while a first fetch is under way).
     */
    private IpSetResolution reconcile(IPSet set) {
        Optional<FeedCacheSeal> sealNow = key.get();
        SourceLists lists = new SourceLists(set, plans, refresher, s -> Optional.ofNullable(caches.get(
                FeedCache.name(s))), sealNow, clock.instant());
        IpSetResolution resolution = new IpSetResolver(NS, n -> Optional.empty(), List.of(), lists).resolve(set);
        lastViews = lists.rootViews();
        lastRejection = lists.cacheRejected();
        lastRejection.ifPresent(r -> feedMetrics.cacheRejected(r.reason()));
        if (lists.waitingForKey()) {
            return resolution;  // the reconciler writes nothing and looks again
        }
        FeedCache.desired(set, lastViews, sealNow.orElseThrow()).filter(d -> d.fits() && !d.sameAs(
                Optional.ofNullable(caches.get(FeedCache.name(set))), set, sealNow.orElseThrow()))
                .ifPresent(d -> caches.put(FeedCache.name(set), d.configMap()));
        if (!(resolution instanceof IpSetResolution.Failed && lists.awaitingFirstFetch())) {
            dev.pinhole.api.IPSetStatus status = new dev.pinhole.api.IPSetStatus();
            status.setSources(SourceReport.statuses(lastViews, clock.instant()));
            set.setStatus(status);
        }
        return resolution;
    }

    private Optional<FeedCache.Rejection> lastRejection = Optional.empty();

    private List<FeedRefresher.SourceView> lastViews = List.of();

    private static List<String> cidrs(IpSetResolution resolution) {
        assertThat(resolution).isInstanceOf(IpSetResolution.Resolved.class);
        return ((IpSetResolution.Resolved) resolution).addresses().toCidrStrings();
    }

    private void serve(String path, String body) {
        answers.put(path, new Answer(200, body.getBytes(StandardCharsets.UTF_8), null));
    }

    /** {@code count} addresses two apart (so none merge into a shorter CIDR), one per line. */
    private static String lines(int first, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            sb.append("198.51.100.").append(first + 2 * i).append('\n');
        }
        return sb.toString();
    }

    private long fetches(String outcome) {
        return (long) registry.counter(FeedMetrics.FETCHES, "outcome", outcome).count();
    }

    @Test
    void githubAndAwsPresetsResolveFromTheirVendorShapedFeeds() {
        answers.put("/meta", new Answer(200, Fixtures.read("github-meta.json"), null));
        answers.put("/ip-ranges.json", new Answer(200, Fixtures.read("aws-ip-ranges.json"), null));
        IPSet set = set("vendors", List.of(preset("github", List.of("hooks"), null),
                preset("aws", List.of("S3"), List.of("eu-west-1"))));

        assertThat(cidrs(reconcile(set))).containsExactly("3.5.64.0/21", "52.218.0.0/17", "185.199.108.0/22",
                "192.30.252.0/22", "2a05:d07a:a000::/40", "2a0a:a440::/29");
        assertThat(lastViews).extracting(v -> v.plan().request().name()).containsExactly("github/hooks",
                "aws/S3@eu-west-1");
        assertThat(lastViews.get(1).state().lastGood().orElseThrow().content().version()).contains("1764950590");
    }

    @Test
    void exclusionsApplyToFeedPrefixes() {
        serve("/ranges", "198.51.100.0/24\n203.0.113.0/24\n");
        IPSet set = set("excluding", List.of(text(url("/ranges"))), "198.51.100.0/25", "203.0.113.7");

        assertThat(cidrs(reconcile(set))).containsExactly("198.51.100.128/25", "203.0.113.0/30",
                "203.0.113.4/31", "203.0.113.6/32", "203.0.113.8/29", "203.0.113.16/28", "203.0.113.32/27",
                "203.0.113.64/26", "203.0.113.128/25");
    }

    @Test
    void aFailingFeedKeepsTheLastGoodListAndGoesStale() {
        serve("/ranges", lines(1, 4));
        IPSet set = set("failing", List.of(text(url("/ranges"))));
        assertThat(cidrs(reconcile(set))).hasSize(4);

        answers.put("/ranges", new Answer(503, new byte[0], null));
        clock.advance(Duration.ofHours(2));
        assertThat(cidrs(reconcile(set))).as("the list in force stays").hasSize(4);
        assertThat(lastViews.get(0).state().lastError()).get().asString().contains("answered HTTP 503");
        assertThat(SourceReport.stale(lastViews, clock.instant())).as("not stale before 3 intervals").isEmpty();

        clock.advance(Duration.ofHours(2));
        assertThat(cidrs(reconcile(set))).hasSize(4);
        SourceReport.Staleness stale = SourceReport.stale(lastViews, clock.instant()).orElseThrow();
        assertThat(stale.message()).startsWith("feeds.test/ranges stale since 2026-01-01T03:00:00Z")
                .contains("HTTP 503");
        assertThat(fetches(FeedMetrics.FAILED)).isEqualTo(2);
    }

    @Test
    void anOutOfMemoryErrorDuringAFetchKeepsTheListAndTheSourceIsFetchedAgain() {
        serve("/ranges", lines(1, 4));
        IPSet set = set("erring", List.of(text(url("/ranges"))));
        assertThat(cidrs(reconcile(set))).hasSize(4);

        errorDuringFetch = new OutOfMemoryError("Java heap space");
        clock.advance(Duration.ofHours(2));
        assertThat(cidrs(reconcile(set))).as("the list in force stays").hasSize(4);
        assertThat(lastViews.get(0).state().lastError()).get().asString().contains("OutOfMemoryError");

        errorDuringFetch = null;
        serve("/ranges", lines(1, 5));
        clock.advance(Duration.ofHours(2));
        assertThat(cidrs(reconcile(set))).as("not stuck in flight: fetched again").hasSize(5);
    }

    @Test
    void aSourceThatNeverHadAListFailsTheSetInsteadOfPublishingTheRest() {
        answers.put("/ranges", new Answer(503, new byte[0], null));
        IPSet set = new IPSet();
        set.setMetadata(new ObjectMetaBuilder().withName("partial").withNamespace(NS).withUid("u").build());
        IPSetSpec spec = new IPSetSpec();
        spec.setAddresses(List.of("192.0.2.1"));
        spec.setSources(List.of(text(url("/ranges"))));
        set.setSpec(spec);

        IpSetResolution resolution = reconcile(set);

        assertThat(resolution).isInstanceOf(IpSetResolution.Failed.class);
        assertThat(((IpSetResolution.Failed) resolution).reason()).isEqualTo("SourceUnavailable");
        assertThat(((IpSetResolution.Failed) resolution).message())
                .isEqualTo("spec.sources[0] (feeds.test/ranges): no list yet: feeds.test answered HTTP 503");
    }

    @Test
    void aShrinkIsHeldBackThenTakenWhenItRepeats() {
        serve("/ranges", lines(1, 10));
        IPSet set = set("shrinking", List.of(text(url("/ranges"))));
        assertThat(cidrs(reconcile(set))).hasSize(10);

        serve("/ranges", lines(1, 3));
        clock.advance(Duration.ofMinutes(67));
        assertThat(cidrs(reconcile(set))).as("held back: the list in force stays").hasSize(10);
        assertThat(SourceReport.notices(lastViews, List.of())).extracting(SourceReport.Notice::message)
                .containsExactly("feeds.test/ranges: 10 -> 3 CIDRs held back until the next fetch repeats the list");
        assertThat(SourceReport.statuses(lastViews, clock.instant()).get(0).getHeldBack()).startsWith("3 prefixes");

        clock.advance(Duration.ofSeconds(30));
        assertThat(cidrs(reconcile(set))).as("not due: held until a refresh interval later").hasSize(10);
        clock.advance(Duration.ofMinutes(67));
        assertThat(cidrs(reconcile(set))).as("the same list an interval later: the vendor means it").hasSize(3);
        assertThat(SourceReport.notices(lastViews, List.of())).extracting(SourceReport.Notice::message)
                .containsExactly("feeds.test/ranges: +0 \u22127 CIDRs");
        assertThat(fetches(FeedMetrics.HELD_BACK)).isEqualTo(1);
        assertThat(fetches(FeedMetrics.UPDATED)).isEqualTo(2);
    }

    @Test
    void aRedirectToAnUnlistedHostIsRefusedAndNeverFollowed() {
        dns.put("elsewhere.test", List.of(InetAddress.getLoopbackAddress()));
        answers.put("/moved", new Answer(302, new byte[0], "https://elsewhere.test:" + server.httpsPort() + "/r"));
        serve("/r", lines(1, 2));
        IPSet set = set("redirected", List.of(text(url("/moved"))));

        IpSetResolution resolution = reconcile(set);

        assertThat(((IpSetResolution.Failed) resolution).message()).contains("refused: redirect to")
                .contains("not in the operator's allowed feed hosts");
        assertThat(requests).containsExactly("/moved");
        assertThat(fetches(FeedMetrics.REFUSED)).isEqualTo(1);
    }

    @Test
    void aRedirectToAListedHostIsFollowed() {
        answers.put("/moved", new Answer(301, new byte[0], "https://mirror.test:" + server.httpsPort() + "/r"));
        serve("/r", lines(1, 2));

        assertThat(cidrs(reconcile(set("followed", List.of(text(url("/moved"))))))).hasSize(2);
    }

    @Test
    void anOversizeFeedIsRefusedWholeAndTheListStays() {
        serve("/ranges", lines(1, 2));
        IPSet set = set("oversize", List.of(text(url("/ranges"))));
        assertThat(cidrs(reconcile(set))).hasSize(2);

        answers.put("/ranges", new Answer(200, "#".repeat(70 * 1024).getBytes(StandardCharsets.US_ASCII), null));
        clock.advance(Duration.ofMinutes(67));

        assertThat(cidrs(reconcile(set))).hasSize(2);
        assertThat(lastViews.get(0).state().lastError()).get().asString().contains("65536");
    }

    @Test
    void anAllowedNameResolvingIntoTheClusterIsRefusedBeforeAnyConnection() {
        dns.put("inside.test", List.of(InetAddress.getLoopbackAddress(), addr("10.96.0.1")));
        IPSet set = set("inside", List.of(text("https://inside.test:" + server.httpsPort() + "/ranges")));

        IpSetResolution resolution = reconcile(set);

        assertThat(((IpSetResolution.Failed) resolution).message()).contains("resolves to 10.96.0.1")
                .contains("cluster range");
        assertThat(requests).isEmpty();
    }

    @Test
    void anAllowedNameResolvingToLoopbackIsRefused() {
        dns.put("inside.test", List.of(addr("127.0.0.2")));

        IpSetResolution resolution = reconcile(set("loop", List.of(text("https://inside.test:"
                + server.httpsPort() + "/ranges"))));

        assertThat(((IpSetResolution.Failed) resolution).message()).contains("resolves to 127.0.0.2")
                .contains("loopback");
        assertThat(requests).isEmpty();
    }

    @Test
    void aHostNotInTheAllowlistIsAnInvalidSourceAndNothingIsFetched() {
        IpSetResolution resolution = reconcile(set("unlisted", List.of(text("https://kubernetes.default.svc/api"))));

        assertThat(((IpSetResolution.Failed) resolution).reason()).isEqualTo("InvalidSource");
        assertThat(((IpSetResolution.Failed) resolution).message()).isEqualTo("spec.sources[0].url:"
                + " \"https://kubernetes.default.svc/api\": host \"kubernetes.default.svc\" is not in the operator's"
                + " allowed feed hosts (an admin lists feed hosts in pinhole.feeds.allowed-hosts)");
        assertThat(requests).isEmpty();
    }

    @Test
    void afterARestartThePersistedListIsInForceUntilAFetchSucceeds() {
        serve("/ranges", lines(1, 5));
        IPSet set = set("restarted", List.of(text(url("/ranges"))));
        assertThat(cidrs(reconcile(set))).hasSize(5);

        restartOperator();
        answers.put("/ranges", new Answer(503, new byte[0], null));
        assertThat(cidrs(reconcile(set))).as("no fail-open: the persisted list, not nothing").hasSize(5);
        assertThat(lastRejection).isEmpty();

        serve("/ranges", lines(1, 6));
        clock.advance(Duration.ofMinutes(67));
        assertThat(cidrs(reconcile(set))).hasSize(6);
    }

    @Test
    void aRestoredSourceIsFetchedWhenDueNotAtOnceAfterARestart() {
        serve("/ranges", lines(1, 5));
        IPSet set = set("scheduled", List.of(text(url("/ranges"))));
        reconcile(set);
        clock.advance(Duration.ofMinutes(10));

        restartOperator();
        reconcile(set);
        assertThat(requests).as("fetched 10 min ago, hourly: not due").hasSize(1);
        clock.advance(Duration.ofMinutes(40));
        reconcile(set);
        assertThat(requests).as("54 min at the earliest (0.9 of the interval)").hasSize(1);
        clock.advance(Duration.ofMinutes(17));
        reconcile(set);
        assertThat(requests).hasSize(2);
    }

    @Test
    void overdueRestoredSourcesAreSpreadNotFetchedAllAtOnce() {
        List<IPSet> sets = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            serve("/r" + i, lines(1, 3));
            sets.add(set("spread-" + i, List.of(text(url("/r" + i)))));
            reconcile(sets.get(i));
        }
        clock.advance(Duration.ofHours(5));

        restartOperator();
        requests.clear();
        sets.forEach(this::reconcile);

        assertThat(requests).as("overdue, but spread over the next 5 minutes: not all 12 at the restart")
                .hasSizeLessThan(12);
        clock.advance(Duration.ofMinutes(5));
        sets.forEach(this::reconcile);
        assertThat(requests).hasSize(12);
    }

    @Test
    void theFirstFetchAfterARestartIsConditionalOnThePersistedValidators() {
        answers.put("/tagged", new Answer(200, lines(1, 4).getBytes(StandardCharsets.US_ASCII), null));
        etags.put("/tagged", "\"v1\"");
        IPSet set = set("conditional", List.of(text(url("/tagged"))));
        reconcile(set);

        restartOperator();
        sentValidators.clear();
        clock.advance(Duration.ofMinutes(67));
        assertThat(cidrs(reconcile(set))).hasSize(4);
        clock.advance(Duration.ofMinutes(5));
        assertThat(cidrs(reconcile(set))).hasSize(4);

        assertThat(sentValidators).singleElement().extracting(v -> v.etag().orElse("none")).isEqualTo("\"v1\"");
        assertThat(fetches(FeedMetrics.NOT_MODIFIED)).isEqualTo(1);
    }

    @Test
    void setsNamingOneUrlShareOneFetch() {
        serve("/shared", lines(1, 4));
        List<IPSet> sets = List.of(set("one", List.of(text(url("/shared")))),
                set("two", List.of(text(url("/shared")))), set("three", List.of(text(url("/shared")))));

        sets.forEach(s -> assertThat(cidrs(reconcile(s))).hasSize(4));

        assertThat(requests).as("one request for three sets").containsExactly("/shared");
    }

    @Test
    void aSharedBodyIsNotReusedPastItsWindow() {
        serve("/shared", lines(1, 4));
        reconcile(set("early", List.of(text(url("/shared")))));
        clock.advance(SharedFetches.REUSE_FOR);

        serve("/shared", lines(1, 5));
        assertThat(cidrs(reconcile(set("late", List.of(text(url("/shared"))))))).hasSize(5);
        assertThat(requests).hasSize(2);
    }

    @Test
    void aForgedCacheIsNotRestoredAfterARestart() {
        // A namespace user with ConfigMap rights (none on IPSets) writes the cache the operator reads at start.
        serve("/ranges", lines(1, 5));
        IPSet set = set("forged", List.of(text(url("/ranges"))));
        reconcile(set);
        ConfigMap forged = forgedCache(set, "10.0.0.0/8");
        caches.put(FeedCache.name(set), forged);

        restartOperator();
        answers.put("/ranges", new Answer(503, new byte[0], null));
        IpSetResolution resolution = reconcile(set);

        assertThat(resolution).as("the forged prefixes are not in force; the source has no list")
                .isInstanceOf(IpSetResolution.Failed.class);
        assertThat(lastRejection).get().extracting(FeedCache.Rejection::reason).isEqualTo(FeedCache.UNSEALED);
        reconcile(set);
        assertThat(registry.counter(FeedMetrics.CACHE_REJECTED, "reason", FeedCache.UNSEALED).count())
                .as("counted when read after the restart, not on every reconcile").isEqualTo(1);
    }

    @Test
    void aCacheWithTheOperatorsSealButChangedPayloadIsNotRestored() {
        serve("/ranges", lines(1, 5));
        IPSet set = set("tampered", List.of(text(url("/ranges"))));
        reconcile(set);
        ConfigMap cache = caches.get(FeedCache.name(set));
        ConfigMap forged = forgedCache(set, "10.0.0.0/8");
        forged.getMetadata().setAnnotations(cache.getMetadata().getAnnotations());
        caches.put(FeedCache.name(set), forged);

        restartOperator();
        answers.put("/ranges", new Answer(503, new byte[0], null));

        assertThat(reconcile(set)).isInstanceOf(IpSetResolution.Failed.class);
        assertThat(lastRejection).get().extracting(FeedCache.Rejection::reason).isEqualTo(FeedCache.UNSEALED);
    }

    @Test
    void aCacheCopiedFromAnotherSetIsNotRestored() {
        serve("/ranges", lines(1, 5));
        IPSet wide = set("wide", List.of(text(url("/ranges"))));
        reconcile(wide);
        IPSet victim = set("victim", List.of(text(url("/ranges"))));
        ConfigMap copy = new io.fabric8.kubernetes.api.model.ConfigMapBuilder(caches.get(FeedCache.name(wide)))
                .editMetadata().withName(FeedCache.name(victim)).endMetadata().build();
        caches.put(FeedCache.name(victim), copy);

        restartOperator();
        answers.put("/ranges", new Answer(503, new byte[0], null));

        assertThat(reconcile(victim)).isInstanceOf(IpSetResolution.Failed.class);
        assertThat(lastRejection).get().extracting(FeedCache.Rejection::reason).isEqualTo(FeedCache.OTHER_SET);
    }

    @Test
    void anOlderSealedCachePutBackIsNotRestoredAfterARestart() {
        // The vendor withdraws a range; someone who can write ConfigMaps in the namespace (none on IPSets) kept the
        // operator's own sealed cache from before and puts it back, then waits for an operator restart.
        serve("/ranges", lines(1, 5));
        IPSet set = set("replayed", List.of(text(url("/ranges"))));
        reconcile(set);
        ConfigMap before = caches.get(FeedCache.name(set));
        serve("/ranges", lines(1, 4));
        clock.advance(Duration.ofMinutes(67));
        assertThat(cidrs(reconcile(set))).hasSize(4);
        caches.put(FeedCache.name(set), before);

        restartOperator();
        answers.put("/ranges", new Answer(503, new byte[0], null));
        IpSetResolution resolution = reconcile(set);

        assertThat(resolution).as("the withdrawn list is not put back in force").isInstanceOf(
                IpSetResolution.Failed.class);
        assertThat(lastRejection).get().satisfies(r -> {
            assertThat(r.reason()).isEqualTo(FeedCache.REPLAYED);
            assertThat(r.message()).contains("feeds.test/ranges (sealed sha256:").contains("an older cache put back");
        });
        assertThat(registry.counter(FeedMetrics.CACHE_REJECTED, "reason", FeedCache.REPLAYED).count()).isEqualTo(1);
    }

    @Test
    void theLatestSealedCacheIsRestoredSourceBySourceBesideAReplayedOne() {
        serve("/a", lines(1, 5));
        serve("/b", lines(101, 3));
        IPSet set = set("mixed", List.of(text(url("/a")), text(url("/b"))));
        reconcile(set);
        ConfigMap before = caches.get(FeedCache.name(set));
        serve("/a", lines(1, 4));
        clock.advance(Duration.ofMinutes(67));
        reconcile(set);
        dev.pinhole.api.IPSetStatus latest = set.getStatus();
        caches.put(FeedCache.name(set), before);

        restartOperator();
        answers.put("/a", new Answer(503, new byte[0], null));
        answers.put("/b", new Answer(503, new byte[0], null));
        set.setStatus(latest);
        reconcile(set);

        assertThat(lastViews.get(0).state().lastGood()).as("/a: replayed, fetched afresh").isEmpty();
        assertThat(lastViews.get(1).state().lastGood().orElseThrow().content().prefixes()).as("/b: still current")
                .hasSize(3);
    }

    @Test
    void aKeySecretThatCannotBeReadAtTheFirstReconcileKeepsTheSetWaitingNotItsCacheLost() throws Exception {
        byte[] installationKey = FeedCacheSeal.newKey();
        FeedCacheSeal sealed = new FeedCacheSeal(installationKey);
        key = () -> Optional.of(sealed);
        serve("/ranges", lines(1, 5));
        IPSet set = set("keyed", List.of(text(url("/ranges"))));
        assertThat(cidrs(reconcile(set))).hasSize(5);

        // A restarted operator whose first read of the key Secret is refused (its RBAC rolled out a moment late).
        io.fabric8.kubernetes.client.server.mock.KubernetesMockServer api =
                new io.fabric8.kubernetes.client.server.mock.KubernetesMockServer(false);
        api.init();
        try (io.fabric8.kubernetes.client.KubernetesClient client = api.createClient()) {
            String list = "/api/v1/namespaces/pinhole-system/secrets?fieldSelector=metadata.name%3D"
                    + FeedCacheKeySecret.NAME;
            api.expect().get().withPath(list).andReturn(403, new io.fabric8.kubernetes.api.model.StatusBuilder()
                    .withCode(403).withReason("Forbidden").withMessage("secrets is forbidden: User"
                            + " \"system:serviceaccount:pinhole-system:pinhole-operator\" cannot list resource")
                    .build()).once();
            api.expect().get().withPath(list).andReturn(200, new io.fabric8.kubernetes.api.model.SecretListBuilder()
                    .addNewItem().withNewMetadata().withName(FeedCacheKeySecret.NAME).withNamespace("pinhole-system")
                    .endMetadata().withData(Map.of(FeedCacheKeySecret.DATA_KEY,
                            java.util.Base64.getEncoder().encodeToString(installationKey))).endItem().build())
                    .always();
            FeedCacheKeySecret secret = new FeedCacheKeySecret(Optional.of("pinhole-system"));
            key = () -> secret.seal(client);
            restartOperator();
            requests.clear();
            answers.put("/ranges", new Answer(503, new byte[0], null));

            IpSetResolution waiting = reconcile(set);
            assertThat(((IpSetResolution.Failed) waiting).message()).startsWith("waiting for the feed cache key");
            assertThat(requests).as("nothing fetched while the key is unknown").isEmpty();

            assertThat(cidrs(reconcile(set))).as("the next reconcile restores the persisted list").hasSize(5);
            assertThat(lastRejection).isEmpty();
            assertThat(api.getRequestCount()).as("two reads, no Secret created").isEqualTo(2);
        } finally {
            api.destroy();
        }
    }

    @Test
    void aCacheFromTheFutureIsNotRestored() {
        serve("/ranges", lines(1, 5));
        IPSet set = set("future", List.of(text(url("/ranges"))));
        reconcile(set);
        ConfigMap cache = caches.get(FeedCache.name(set));

        // The same lists, sealed as if fetched a day ahead (a clock that went back, or a sealed cache replayed).
        MutableClock ahead = new MutableClock();
        ahead.advance(Duration.ofDays(1));
        FeedSourceState state = lastViews.get(0).state();
        FeedSourceState later = new FeedSourceState(Optional.of(new FeedSourceState.Accepted(
                state.lastGood().orElseThrow().content(), ahead.instant())), state.validators(), 0,
                Optional.empty(), Optional.empty(), Optional.empty(), ahead.instant());
        caches.put(FeedCache.name(set), FeedCache.desired(set, List.of(new FeedRefresher.SourceView(
                lastViews.get(0).plan(), later, List.of())), seal).orElseThrow().configMap());
        assertThat(cache).isNotNull();

        restartOperator();
        answers.put("/ranges", new Answer(503, new byte[0], null));

        assertThat(reconcile(set)).isInstanceOf(IpSetResolution.Failed.class);
        assertThat(lastRejection).get().extracting(FeedCache.Rejection::reason).isEqualTo(FeedCache.FUTURE);
    }

    @Test
    void twoSourcesOnOneUrlWithDifferentSelectionsKeepTheirOwnLists() {
        answers.put("/ip-ranges.json", new Answer(200, Fixtures.read("aws-ip-ranges.json"), null));
        IPSet set = set("two-selections", List.of(json(url("/ip-ranges.json"),
                "/prefixes/*[region=eu-west-1]/ip_prefix"), json(url("/ip-ranges.json"),
                "/prefixes/*[region=us-east-1]/ip_prefix")));
        List<String> before = cidrs(reconcile(set));

        restartOperator();
        answers.put("/ip-ranges.json", new Answer(503, new byte[0], null));

        assertThat(cidrs(reconcile(set))).as("each source restored with its own list").isEqualTo(before);
        assertThat(lastViews).extracting(v -> v.state().lastGood().orElseThrow().content().digest())
                .doesNotHaveDuplicates();
    }

    /**
     * What a namespace user can write without the operator's key: the cache in the format the operator writes, its
     * digests right, the payload their own, the seal annotation whatever they like.
     */
    private static ConfigMap forgedCache(IPSet set, String prefix) {
        FeedCacheSeal own = FeedCacheSeal.ephemeral();
        FeedSourceState state = new FeedSourceState(Optional.of(new FeedSourceState.Accepted(new FeedContent(
                List.of(Cidr.parse(prefix)), Optional.empty(), Optional.empty()), java.time.Instant.parse(
                        "2026-01-01T00:00:00Z"))), FeedFetcher.Validators.NONE, 0, Optional.empty(),
                Optional.empty(), Optional.empty(), java.time.Instant.parse("2026-01-01T00:00:00Z"));
        SourcePlans.Planned planned = (SourcePlans.Planned) new SourcePlans(new PresetOrigins(Map.of()),
                new FeedHostPolicy(Set.of("feeds.test"), Set.of(), new ForbiddenAddresses(List.of(), List.of())),
                0.5).plan(set.getSpec().getSources());
        return FeedCache.desired(set, List.of(new FeedRefresher.SourceView(planned.plans().get(0), state,
                List.of())), own).orElseThrow().configMap();
    }

    @Test
    void theCacheIsWrittenOnlyWhenADigestChanges() {
        serve("/ranges", lines(1, 5));
        IPSet set = set("quiet", List.of(text(url("/ranges"))));
        reconcile(set);
        ConfigMap first = caches.get(FeedCache.name(set));

        clock.advance(Duration.ofMinutes(67));
        reconcile(set);
        assertThat(caches.get(FeedCache.name(set))).as("same list, no write").isSameAs(first);

        serve("/ranges", lines(1, 6));
        clock.advance(Duration.ofMinutes(67));
        reconcile(set);
        assertThat(caches.get(FeedCache.name(set))).isNotSameAs(first);
    }

    @Test
    void aDueSourceIsNotFetchedTwiceAndNotBeforeItsTime() {
        serve("/ranges", lines(1, 5));
        IPSet set = set("timed", List.of(text(url("/ranges"))));
        reconcile(set);
        reconcile(set);
        clock.advance(Duration.ofMinutes(50));
        reconcile(set);

        assertThat(requests).hasSize(1);
        assertThat(SourceReport.nextLook(lastViews, clock.instant())).get()
                .matches(t -> t.isAfter(clock.instant()) && t.isBefore(clock.instant().plus(Duration.ofMinutes(17))));
    }

    @Test
    void aSlowFeedHoldsAFetchThreadNeverAReconcile() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<SetKey> told = new CopyOnWriteArrayList<>();
            FeedFetcher fetcher = new FeedFetcher(new FeedHostPolicy(Set.of("feeds.test"), Set.of(),
                    new ForbiddenAddresses(FeedHostPolicy.forbiddenBlocks(List.of()),
                            List.of(Cidr.parse("127.0.0.1/32")))), this::resolve, server.clientTls(),
                    FeedFetcher.Limits.DEFAULT, System::nanoTime);
            refresher = new FeedRefresher(fetcher::fetch, FeedLimits.DEFAULT, pool, clock,
                    new FeedMetrics(registry, clock));
            refresher.onChange(told::add);
            serve("/fast", lines(1, 2));
            IPSet slow = set("slow", List.of(text(url("/slow"))));
            IPSet fast = set("fast", List.of(text(url("/fast"))));

            long start = System.nanoTime();
            IpSetResolution slowNow = reconcile(slow);
            reconcile(fast);
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertThat(tookMillis).as("both reconciles returned while the slow feed was still answering")
                    .isLessThan(2_000);
            assertThat(((IpSetResolution.Failed) slowNow).message()).endsWith("no list yet: first fetch under way");
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> told.contains(SetKey.of(fast)));
            assertThat(cidrs(reconcile(fast))).hasSize(2);
        } finally {
            pool.shutdownNow();
        }
    }

    private static InetAddress addr(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
