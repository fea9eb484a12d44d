package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.IPSet;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.feed.FeedContent;
import dev.pinhole.ipset.feed.FeedFetcher;
import dev.pinhole.ipset.feed.FeedFormat;
import dev.pinhole.ipset.feed.FeedRequest;
import dev.pinhole.ipset.feed.FeedSourceState;
import dev.pinhole.ipset.feed.RefreshPolicy;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The persisted cache's size and round trip: big vendor lists must persist, and come back exactly. */
class FeedCacheTest {
    private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");
    private final FeedCacheSeal seal = FeedCacheSeal.ephemeral();

    private static IPSet set() {
        IPSet set = new IPSet();
        set.setMetadata(new ObjectMetaBuilder().withName("aws").withNamespace("team-a").withUid("uid-aws").build());
        return set;
    }

    /** {@code n} scattered prefixes from a fixed seed, mixed families and lengths, as a vendor list looks. */
    private static FeedContent scattered(int n, long seed) {
        Random random = new Random(seed);
        List<Cidr> prefixes = new ArrayList<>();
        while (prefixes.size() < n) {
            if (random.nextInt(5) == 0) {
                prefixes.add(Cidr.parse(String.format("2600:%x:%x::/48", random.nextInt(0x10000),
                        random.nextInt(0x10000))));
            } else {
                int length = 16 + random.nextInt(17);
                int address = random.nextInt() & (int) (0xFFFFFFFFL << (32 - length));
                prefixes.add(Cidr.parse(((address >>> 24) & 255) + "." + ((address >>> 16) & 255) + "."
                        + ((address >>> 8) & 255) + "." + (address & 255) + "/" + length));
            }
        }
        return new FeedContent(prefixes.stream().sorted().distinct().toList(), Optional.of("1764950590"),
                Optional.empty());
    }

    private static FeedRefresher.SourceView view(String name, FeedContent content) {
        FeedRequest request = new FeedRequest(name, URI.create("https://ip-ranges.amazonaws.com/ip-ranges.json"),
                new FeedFormat.PlainText());
        FeedSourceState state = FeedSourceState.restored(new FeedSourceState.Accepted(content, T0),
                new FeedFetcher.Validators(Optional.of("\"etag-1\""), Optional.empty()), T0,
                RefreshPolicy.every(Duration.ofHours(1)), () -> 0.5);
        return new FeedRefresher.SourceView(new SourcePlan(0, request, RefreshPolicy.every(Duration.ofHours(1))),
                state, List.of());
    }

    /** The set as the reconciler leaves it: its status naming these views' lists as last good. */
    private static IPSet published(List<FeedRefresher.SourceView> views) {
        IPSet set = set();
        dev.pinhole.api.IPSetStatus status = new dev.pinhole.api.IPSetStatus();
        status.setSources(SourceReport.statuses(views, T0));
        set.setStatus(status);
        return set;
    }

    @Test
    void aListOverTheOldUncompressedBudgetPersistsAndComesBackExactly() {
        // Two sources at most of the per-source prefix cap (50,000), as a set following two big vendors has.
        FeedContent first = scattered(32_000, 18);
        FeedContent second = scattered(32_000, 19);
        int plainBytes = java.util.stream.Stream.of(first, second).flatMap(c -> c.prefixes().stream())
                .mapToInt(p -> p.toString().length() + 1).sum();
        assertThat(plainBytes).as("the prefixes alone are over the 900 KiB a ConfigMap may hold here")
                .isGreaterThan(FeedCache.MAX_BYTES);

        FeedCache.Desired desired = FeedCache.desired(set(), List.of(view("aws/a", first), view("aws/b", second)),
                seal).orElseThrow();

        assertThat(desired.fits()).as(desired.bytes() + " bytes").isTrue();
        FeedCache.Restored restored = FeedCache.read(Optional.of(desired.configMap()), published(
                List.of(view("aws/a", first), view("aws/b", second))), seal, T0);
        assertThat(restored.rejected()).isEmpty();
        assertThat(restored.lists().values()).extracting(e -> e.list().content().digest())
                .containsExactlyInAnyOrder(first.digest(), second.digest());
        FeedCache.Entry entry = restored.lists().values().iterator().next();
        assertThat(entry.list().content().version()).contains("1764950590");
        assertThat(entry.validators().etag()).contains("\"etag-1\"");
    }

    @Test
    void awsSizedListsTakeAFractionOfTheBudget() {
        // AWS's whole ip-ranges.json is about 10,000 prefixes; a set with several such sources still fits.
        List<FeedRefresher.SourceView> views = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            views.add(view("aws/part-" + i, scattered(10_000, i)));
        }

        FeedCache.Desired desired = FeedCache.desired(set(), views, seal).orElseThrow();

        assertThat(desired.bytes()).isLessThan(FeedCache.MAX_BYTES);
        assertThat(FeedCache.read(Optional.of(desired.configMap()), published(views), seal, T0).lists()).hasSize(4);
    }

    @Test
    void aPayloadIsNotInflatedBeforeItsSealChecks() {
        // A gzip bomb under a made-up seal: refused by the seal, never inflated.
        ConfigMap bomb = FeedCache.desired(set(), List.of(view("aws/all", scattered(10, 1))), seal).orElseThrow()
                .configMap();
        byte[] zeros = new byte[1024 * 1024];
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            for (int i = 0; i < 80; i++) {
                gz.write(zeros);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        bomb.getBinaryData().put(FeedCache.DATA_KEY, java.util.Base64.getEncoder().encodeToString(out.toByteArray()));

        FeedCache.Restored restored = FeedCache.read(Optional.of(bomb), set(), seal, T0);

        assertThat(restored.rejected()).get().extracting(FeedCache.Rejection::reason).isEqualTo(FeedCache.UNSEALED);
    }
}
