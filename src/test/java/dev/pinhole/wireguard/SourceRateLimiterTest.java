package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** The per-source handshake limit under load: a bucket per IPv4 address or IPv6 /64, bounded in number. */
class SourceRateLimiterTest {
    private static final long MS = 1_000_000L;
    private final SourceRateLimiter limiter = new SourceRateLimiter(10, 3);

    private static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private int allowedOf(String source, int attempts, long now) {
        int allowed = 0;
        for (int i = 0; i < attempts; i++) {
            allowed += limiter.allow(ip(source), now) ? 1 : 0;
        }
        return allowed;
    }

    @Test
    void aNewSourceGetsTheBurstAndNoMore() {
        assertThat(allowedOf("198.51.100.1", 10, 0)).isEqualTo(3);
    }

    @Test
    void aSourceRefillsAtTheRate() {
        allowedOf("198.51.100.1", 10, 0);
        assertThat(allowedOf("198.51.100.1", 10, 250 * MS)).as("2.5 tokens in 250 ms at 10/s").isEqualTo(2);
    }

    @Test
    void sourcesInOneIpv6Slash64ShareABucket() {
        assertThat(allowedOf("2001:db8:1:2::1", 2, 0) + allowedOf("2001:db8:1:2:ffff::9", 2, 0)).isEqualTo(3);
        assertThat(allowedOf("2001:db8:1:3::1", 3, 0)).as("another /64").isEqualTo(3);
    }

    @Test
    void anIpv4AddressNeverSharesABucketWithAnIpv6Prefix() {
        // ::c633:6401 and 198.51.100.1 have the same low bytes; the key keeps the families apart.
        allowedOf("198.51.100.1", 10, 0);
        assertThat(allowedOf("::198.51.100.1", 3, 0)).isEqualTo(3);
    }

    @Test
    void timestampsArrivingOutOfOrderCreditNothingTwice() {
        allowedOf("198.51.100.1", 10, 1_000 * MS);
        allowedOf("198.51.100.1", 1, 900 * MS);  // taken before the lock, arriving late
        assertThat(allowedOf("198.51.100.1", 10, 1_050 * MS)).as("0.5 token since 1,000 ms").isZero();
    }

    @Test
    void aFullTableRefusesNewSourcesAndKeepsKnownOnes() {
        for (int i = 0; i < 1 << 16; i++) {
            limiter.allow(ip("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)), 0);
        }
        assertThat(limiter.allow(ip("11.0.0.1"), 0)).as("a new source over the bound").isFalse();
        assertThat(limiter.allow(ip("10.0.0.7"), 0)).as("a known source keeps its bucket").isTrue();
    }

    @Test
    void sweepingForgetsSourcesWhoseBucketRefilled() {
        for (int i = 0; i < 1 << 16; i++) {
            limiter.allow(ip("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)), 0);
        }
        limiter.sweep(50 * MS);
        assertThat(limiter.allow(ip("11.0.0.1"), 50 * MS)).as("half a token short of full: kept").isFalse();
        limiter.sweep(100 * MS);
        assertThat(limiter.allow(ip("11.0.0.1"), 100 * MS)).as("refilled and swept").isTrue();
    }
}
