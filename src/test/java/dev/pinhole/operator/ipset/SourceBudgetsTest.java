package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.IPSet;
import dev.pinhole.api.IPSetSource;
import dev.pinhole.api.IPSetSpec;
import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.ipset.feed.FeedFetcher;
import dev.pinhole.ipset.feed.FeedHostPolicy;
import dev.pinhole.ipset.feed.FeedLimits;
import dev.pinhole.ipset.feed.FeedPreset;
import dev.pinhole.ipset.feed.Fixtures;
import dev.pinhole.operator.ConditionTypes.Reason;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.testing.MutableClock;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What a namespace user who writes IPSets can make the operator hold: many sets on one vendor's feed, or one set per
 * distinct URL on an allowed host. Identical sources share one parsed list; a namespace's sources and prefixes are
 * bounded by the settings, a refusal names the budget, the count and the setting, and other namespaces go on.
 * The vendor is faked at the HTTP edge ({@link FeedRefresher.Fetch}); everything above it is the operator's.
 */
@Adversarial
class SourceBudgetsTest {
    private final MutableClock clock = new MutableClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FeedMetrics metrics = new FeedMetrics(registry, clock);
    /** What the fake vendor serves, by URL path. */
    private final Map<String, byte[]> bodies = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final SourcePlans plans = new SourcePlans(new PresetOrigins(Map.of()),
            new FeedHostPolicy(Set.of("feeds.test", "ip-ranges.amazonaws.com"), Set.of(),
                    new ForbiddenAddresses(List.of(), List.of())), 0.5);
    private FeedRefresher refresher;

    private void budget(int sources, long prefixes) {
        FeedRefresher.Fetch vendor = (url, previous) -> {
            requests.incrementAndGet();
            byte[] body = bodies.get(url.getPath());
            return body == null ? new FeedFetcher.Failed(url.getHost() + " answered HTTP 404")
                    : new FeedFetcher.Fetched(body, FeedFetcher.Validators.NONE, url);
        };
        refresher = new FeedRefresher(new SharedFetches(vendor, clock, SharedFetches.REUSE_FOR,
                SharedFetches.MAX_KEPT_BYTES), FeedLimits.DEFAULT, new FeedBudget(sources, prefixes), Runnable::run,
                clock, metrics);
    }

    private static IPSet set(String namespace, String name, IPSetSource... sources) {
        IPSet set = new IPSet();
        set.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
                .withUid("uid-" + namespace + "-" + name).build());
        IPSetSpec spec = new IPSetSpec();
        spec.setSources(List.of(sources));
        set.setSpec(spec);
        return set;
    }

    private static IPSetSource aws() {
        IPSetSource source = new IPSetSource();
        source.setPreset(FeedPreset.AWS.key());
        source.setServices(List.of("S3"));
        return source;
    }

    private static IPSetSource text(String path) {
        IPSetSource source = new IPSetSource();
        source.setUrl("https://feeds.test" + path);
        source.setFormat("text");
        return source;
    }

    /** {@code count} /32s in 198.18.0.0/15 from {@code first} on, none of which merge. */
    private void serve(String path, int first, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = first; i < first + count; i++) {
            sb.append("198.").append(18 + (i >> 14)).append('.').append((i >> 6) & 0xff).append('.')
                    .append((i & 0x3f) * 4).append('\n');
        }
        bodies.put(path, sb.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private List<FeedRefresher.SourceView> views;

    private IpSetResolution reconcile(IPSet set) {
        SourceLists lists = new SourceLists(set, plans, refresher, s -> Optional.empty(),
                Optional.of(FeedCacheSeal.ephemeral()), clock.instant());
        IpSetResolution resolution = new IpSetResolver(set.getMetadata().getNamespace(), n -> Optional.empty(),
                List.of(), lists).resolve(set);
        views = lists.rootViews();
        return resolution;
    }

    private static int cidrCount(IpSetResolution resolution) {
        assertThat(resolution).isInstanceOf(IpSetResolution.Resolved.class);
        return ((IpSetResolution.Resolved) resolution).addresses().toCidrs().size();
    }

    private static IpSetResolution.Failed failed(IpSetResolution resolution) {
        assertThat(resolution).isInstanceOf(IpSetResolution.Failed.class);
        return (IpSetResolution.Failed) resolution;
    }

    private double refused(String budget) {
        return registry.counter(FeedMetrics.BUDGET_REFUSED, "budget", budget).count();
    }

    @Test
    void manySetsFollowingTheAwsPresetHoldOneParsedList() {
        budget(1_000, 1_000_000);
        bodies.put("/ip-ranges.json", Fixtures.read("aws-ip-ranges.json"));
        List<Object> lists = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            IpSetResolution resolution = reconcile(set("team-a", "aws-" + i, aws()));
            assertThat(cidrCount(resolution)).isPositive();
            lists.add(views.get(0).state().lastGood().orElseThrow().content());
        }

        assertThat(lists).as("one copy of the parsed list, whichever set holds it")
                .allSatisfy(content -> assertThat(content).isSameAs(lists.get(0)));
        assertThat(refresher.distinctLists()).isEqualTo(1);
        assertThat(requests.get()).as("and one request (SharedFetches)").isEqualTo(1);
    }

    @Test
    void aSourcePastTheNamespacesSourcesBudgetIsRefusedNamingTheBudgetTheCountAndTheSetting() {
        budget(3, 1_000_000);
        for (int i = 0; i < 4; i++) {
            serve("/r" + i, 100 * i, 5);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(cidrCount(reconcile(set("team-a", "s" + i, text("/r" + i))))).isEqualTo(5);
        }

        IpSetResolution.Failed refused = failed(reconcile(set("team-a", "s3", text("/r3"))));

        assertThat(refused.reason()).isEqualTo(Reason.SOURCES_OVER_BUDGET);
        assertThat(refused.message()).isEqualTo("spec.sources[0] (feeds.test/r3): refused: namespace team-a"
                + " already follows 3 sources, the most pinhole.feeds.max-sources-per-namespace allows");
        assertThat(requests.get()).as("nothing fetched for it").isEqualTo(3);
        assertThat(refused(FeedMetrics.BUDGET_SOURCES)).isEqualTo(1);
        assertThat(SourceReport.nextLook(views, clock.instant())).as("asked about again later")
                .contains(clock.instant().plus(FeedRefresher.OVER_BUDGET_RETRY));
    }

    @Test
    void anotherNamespaceIsUnaffectedByOneAtItsBudget() {
        budget(2, 1_000_000);
        serve("/r", 0, 5);
        reconcile(set("team-a", "s0", text("/r"), text("/r?copy")));
        assertThat(failed(reconcile(set("team-a", "s1", text("/r")))).reason())
                .isEqualTo(Reason.SOURCES_OVER_BUDGET);

        assertThat(cidrCount(reconcile(set("team-b", "s0", text("/r"), text("/r?copy"))))).isEqualTo(5);
    }

    @Test
    void aRefusedSourceIsTakenOnceTheNamespaceHasRoom() {
        budget(1, 1_000_000);
        serve("/a", 0, 5);
        serve("/b", 100, 6);
        IPSet first = set("team-a", "first", text("/a"));
        reconcile(first);
        IPSet second = set("team-a", "second", text("/b"));
        assertThat(reconcile(second)).isInstanceOf(IpSetResolution.Failed.class);

        refresher.forgetSets(key -> key.name().equals("first"));  // the first set was deleted

        assertThat(cidrCount(reconcile(second))).isEqualTo(6);
    }

    @Test
    void distinctUrlsOnAnAllowedHostStopAtTheNamespacesPrefixBudget() {
        budget(1_000, 100);
        for (int i = 0; i < 3; i++) {
            serve("/r" + i, 1_000 * i, 40);
        }
        assertThat(cidrCount(reconcile(set("team-a", "s0", text("/r0"))))).isEqualTo(40);
        assertThat(cidrCount(reconcile(set("team-a", "s1", text("/r1"))))).isEqualTo(40);

        IpSetResolution.Failed refused = failed(reconcile(set("team-a", "s2", text("/r2"))));

        assertThat(refused.reason()).isEqualTo(Reason.SOURCES_OVER_BUDGET);
        assertThat(refused.message()).isEqualTo("spec.sources[0] (feeds.test/r2): refused: namespace team-a's"
                + " sources would hold 120 prefixes, over pinhole.feeds.max-prefixes-per-namespace (100)");
        assertThat(views.get(0).state().lastGood()).as("nothing of it is held").isEmpty();
        assertThat(refused(FeedMetrics.BUDGET_PREFIXES)).isEqualTo(1);
        assertThat(registry.counter(FeedMetrics.FETCHES, "outcome", FeedMetrics.OVER_BUDGET).count()).isEqualTo(1);
        assertThat(cidrCount(reconcile(set("team-b", "s2", text("/r2"))))).as("another namespace").isEqualTo(40);
    }

    @Test
    void identicalSourcesCountOnceAgainstThePrefixBudget() {
        budget(1_000, 100);
        serve("/r", 0, 60);
        for (int i = 0; i < 20; i++) {
            assertThat(cidrCount(reconcile(set("team-a", "s" + i, text("/r"))))).isEqualTo(60);
        }
    }

    @Test
    void aFeedGrowingPastTheBudgetKeepsItsListInForce() {
        budget(1_000, 100);
        serve("/a", 0, 40);
        serve("/b", 1_000, 50);
        IPSet a = set("team-a", "a", text("/a"));
        reconcile(a);
        reconcile(set("team-a", "b", text("/b")));

        serve("/a", 0, 60);
        clock.advance(Duration.ofMinutes(67));

        assertThat(cidrCount(reconcile(a))).as("never lose the list: the one in force stays").isEqualTo(40);
        assertThat(views.get(0).state().lastError()).get().asString()
                .contains("would hold 110 prefixes, over pinhole.feeds.max-prefixes-per-namespace (100)");
        assertThat(SourceReport.notices(views, List.of())).extracting(SourceReport.Notice::reason)
                .containsExactly("SourceFailed");
    }

    @Test
    void aSetMergingMoreCidrsThanAConnectorsRouteTableIsRefused() {
        budget(1_000, 1_000_000);
        serve("/a", 0, 10_000);
        serve("/b", 10_000, 10_000);

        IpSetResolution.Failed refused = failed(reconcile(set("team-a", "wide", text("/a"), text("/b"))));

        assertThat(refused.reason()).isEqualTo(Reason.TOO_MANY_CIDRS);
        assertThat(refused.message()).startsWith("resolves to 20000 CIDRs, over the 16384 routes a connector holds");
    }

    @Test
    void aSetWithMoreSourcesThanTheBudgetHasTheOnesPastItRefused() {
        budget(2, 1_000_000);
        serve("/r", 0, 5);

        IpSetResolution.Failed refused = failed(reconcile(set("team-a", "many", text("/r"), text("/r?1"),
                text("/r?2"))));

        assertThat(refused.message()).startsWith("spec.sources[2] (feeds.test/r): refused: namespace team-a");
        assertThat(views).extracting(v -> v.overBudget().isPresent()).containsExactly(false, false, true);
    }
}
