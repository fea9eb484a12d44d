package dev.pinhole.netstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two endpoints talk through a {@link LoopbackLink} that loses, duplicates, delays and reorders packets at random
 * (fixed seeds, fake time): both byte streams must arrive intact and both sides must close normally.
 */
class LossyLoopbackTest {

    @ParameterizedTest(name = "seed {0}, loss {1}, duplication {2}, window scaling {3}, timestamps {4}, "
            + "read slice {5}, IPv6 {6}, receive buffer {7}")
    @CsvSource({
        "1, 0.0, 0.0, true, true, 7000, false, 49152",
        "2, 0.05, 0.02, true, true, 7000, false, 49152",
        "3, 0.10, 0.05, false, false, 7000, true, 49152",
        "4, 0.02, 0.10, true, false, 7000, false, 49152",
        "5, 0.15, 0.0, false, true, 7000, true, 49152",
        "6, 0.20, 0.10, true, true, 7000, false, 200000",
        "7, 0.01, 0.0, true, true, 300, false, 4096",
        "8, 0.05, 0.05, false, false, 900, true, 6000"})
    void bothStreamsArriveIntactAndBothSidesClose(long seed, double loss, double duplication,
            boolean windowScaling, boolean timestamps, int readSlice, boolean ipv6, int receiveBuffer) {
        Random random = new Random(seed);
        var fate = new LoopbackLink.Fate() {
            @Override
            public boolean lose() {
                return random.nextDouble() < loss;
            }

            @Override
            public boolean duplicate() {
                return random.nextDouble() < duplication;
            }

            @Override
            public long delayNanos() {
                // 10 ms base delay plus up to 15 ms jitter: enough to reorder back-to-back segments.
                return 10_000_000L + (long) (random.nextDouble() * 15_000_000L);
            }
        };
        TcpConfig config = TcpConfig.builder().mtu(1420).sendBufferBytes(32 * 1024)
                .receiveBufferBytes(receiveBuffer).windowScaling(windowScaling).timestamps(timestamps)
                .maxRetransmissions(15).maxSynAckRetransmissions(8).timeWait(Duration.ofSeconds(60)).build();
        byte[] upload = new byte[200_000];
        byte[] download = new byte[300_000];
        random.nextBytes(upload);
        random.nextBytes(download);

        var outcome = new LoopbackLink(config, fate, ipv6).run(upload, download, readSlice, Duration.ofMinutes(30));

        assertThat(outcome.clientClose()).as("client close").isEqualTo(CloseReason.NORMAL);
        assertThat(outcome.serverClose()).as("server close").isEqualTo(CloseReason.NORMAL);
        assertThat(outcome.serverSawEof()).isTrue();
        assertThat(outcome.clientSawEof()).isTrue();
        assertSameStream("upload", outcome.receivedByServer(), upload, true);
        assertSameStream("download", outcome.receivedByClient(), download, true);
    }

    /** Fails at the first differing byte; with {@code complete}, also when {@code actual} is only a prefix. */
    static void assertSameStream(String what, byte[] actual, byte[] expected, boolean complete) {
        assertThat(actual.length).as(what + " length").isLessThanOrEqualTo(expected.length);
        for (int i = 0; i < actual.length; i++) {
            if (actual[i] != expected[i]) {
                throw new AssertionError(what + ": first difference at byte " + i + " of " + expected.length);
            }
        }
        if (complete) {
            assertThat(actual.length).as(what + " length").isEqualTo(expected.length);
        }
    }
}
