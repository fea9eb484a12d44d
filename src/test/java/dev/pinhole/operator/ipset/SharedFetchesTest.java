package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.feed.FeedFetcher;
import dev.pinhole.testing.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One fetch per URL, whoever asks: joined while under way, reused briefly, a 304 for the version one holds. */
class SharedFetchesTest {
    private static final URI URL = URI.create("https://api.github.com/meta");
    private static final FeedFetcher.Validators V1 = new FeedFetcher.Validators(Optional.of("\"v1\""),
            Optional.empty());
    private final MutableClock clock = new MutableClock();
    private final AtomicInteger calls = new AtomicInteger();

    private FeedFetcher.Fetched body() {
        return new FeedFetcher.Fetched("192.0.2.0/24\n".getBytes(StandardCharsets.US_ASCII), V1, URL);
    }

    @Test
    void aFetchUnderWayIsJoinedNotRepeated() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SharedFetches shared = new SharedFetches((url, previous) -> {
            calls.incrementAndGet();
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return body();
        }, clock, SharedFetches.REUSE_FOR, 1024);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<FeedFetcher.Outcome> first = pool.submit(() -> shared.fetch(URL, FeedFetcher.Validators.NONE));
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            Future<FeedFetcher.Outcome> second = pool.submit(() -> shared.fetch(URL, FeedFetcher.Validators.NONE));
            Thread.sleep(100);
            release.countDown();

            assertThat(first.get(10, TimeUnit.SECONDS)).isInstanceOf(FeedFetcher.Fetched.class);
            assertThat(second.get(10, TimeUnit.SECONDS)).isInstanceOf(FeedFetcher.Fetched.class);
            assertThat(calls).hasValue(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCallerHoldingTheSharedVersionIsToldNotModified() {
        SharedFetches shared = new SharedFetches((url, previous) -> {
            calls.incrementAndGet();
            return body();
        }, clock, SharedFetches.REUSE_FOR, 1024);
        shared.fetch(URL, FeedFetcher.Validators.NONE);

        assertThat(shared.fetch(URL, V1)).isInstanceOf(FeedFetcher.NotModified.class);
        assertThat(shared.fetch(URL, FeedFetcher.Validators.NONE)).isInstanceOf(FeedFetcher.Fetched.class);
        assertThat(calls).hasValue(1);
    }

    @Test
    void bodiesOverTheByteBoundAreNotKept() {
        SharedFetches shared = new SharedFetches((url, previous) -> {
            calls.incrementAndGet();
            return body();
        }, clock, SharedFetches.REUSE_FOR, 4);

        shared.fetch(URL, FeedFetcher.Validators.NONE);
        shared.fetch(URL, FeedFetcher.Validators.NONE);

        assertThat(calls).hasValue(2);
    }
}
