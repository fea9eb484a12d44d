package dev.pinhole.netstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;

/**
 * The fuzzer decides the fate of every packet between two endpoints (lost, duplicated, how late). Safety: the
 * bytes an application reads are always a prefix of what the other side wrote, whatever the link does. Liveness:
 * once the fuzzer's input runs out the link becomes perfect, so a flow that was not given up on must complete.
 * Seeds: {@code LoopbackFuzzTestInputs/streamsStayIntactWhateverTheLinkDoes/}.
 */
class LoopbackFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void streamsStayIntactWhateverTheLinkDoes(FuzzedDataProvider data) {
        boolean ipv6 = data.consumeBoolean();
        TcpConfig config = TcpConfig.builder().mtu(1280).sendBufferBytes(8192)
                .receiveBufferBytes(data.consumeInt(1500, 20_000)).windowScaling(data.consumeBoolean())
                .timestamps(data.consumeBoolean()).maxOutOfOrderRanges(data.consumeInt(1, 8))
                .delayedAck(Duration.ofMillis(data.consumeBoolean() ? 0 : 40)).maxRetransmissions(8)
                .timeWait(Duration.ofSeconds(2)).build();
        int readSlice = data.consumeInt(100, 10_000);
        byte[] upload = new byte[data.consumeInt(0, 30_000)];
        byte[] download = new byte[data.consumeInt(0, 30_000)];
        for (int i = 0; i < upload.length; i++) {
            upload[i] = (byte) (i * 31 + 7);
        }
        for (int i = 0; i < download.length; i++) {
            download[i] = (byte) (i * 17 + 3);
        }
        var fate = new LoopbackLink.Fate() {
            @Override
            public boolean lose() {
                return data.remainingBytes() > 0 && data.consumeInt(0, 3) == 0;
            }

            @Override
            public boolean duplicate() {
                return data.remainingBytes() > 0 && data.consumeInt(0, 7) == 0;
            }

            @Override
            public long delayNanos() {
                return data.remainingBytes() > 0 ? data.consumeLong(0, 400_000_000L) : 10_000_000L;
            }
        };
        var outcome = new LoopbackLink(config, fate, ipv6).run(upload, download, readSlice, Duration.ofHours(2));

        LossyLoopbackTest.assertSameStream("upload", outcome.receivedByServer(), upload, false);
        LossyLoopbackTest.assertSameStream("download", outcome.receivedByClient(), download, false);
        if (outcome.clientClose() == CloseReason.NORMAL && outcome.serverClose() == CloseReason.NORMAL) {
            LossyLoopbackTest.assertSameStream("upload", outcome.receivedByServer(), upload, true);
            LossyLoopbackTest.assertSameStream("download", outcome.receivedByClient(), download, true);
        }
        // With a perfect link once the input runs out, two live endpoints always finish; at most one side may be
        // left waiting after the other gave up and its RST was lost.
        assertThat(outcome.clientClose() != null || outcome.serverClose() != null)
                .as("both endpoints still open after two simulated hours").isTrue();
    }
}
