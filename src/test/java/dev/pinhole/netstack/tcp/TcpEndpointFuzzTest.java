package dev.pinhole.netstack.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pinhole.netstack.packet.TcpFlags;
import dev.pinhole.time.FakeTicker;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Feeds an endpoint an arbitrary mix of client segments (any flags, sequence and acknowledgment numbers near and
 * far from the expected ones, any window and options), application calls and time jumps. No exception may
 * escape, every emitted packet must parse with valid checksums, and memory stays within the configured bounds.
 * Seeds: {@code TcpEndpointFuzzTestInputs/randomTrafficNeverBreaksTheEndpoint/}.
 */
class TcpEndpointFuzzTest {
    private static final int BUFFER = 4096;
    private static final int MTU = 1280;

    @FuzzTest(maxDuration = "60s")
    void randomTrafficNeverBreaksTheEndpoint(FuzzedDataProvider data) {
        FakeTicker ticker = new FakeTicker();
        ScriptedClient client = new ScriptedClient(data.consumeBoolean());
        TcpConfig config = TcpConfig.builder().mtu(MTU).sendBufferBytes(BUFFER).receiveBufferBytes(BUFFER)
                .windowScaling(data.consumeBoolean()).timestamps(data.consumeBoolean())
                .delayedAck(Duration.ofMillis(data.consumeBoolean() ? 0 : 40))
                .keepalive(Duration.ofSeconds(30), Duration.ofSeconds(5), 3).maxOutOfOrderRanges(4)
                .maxRetransmissions(4).timeWait(Duration.ofSeconds(10)).build();
        int mss = data.consumeInt(0, 70000);
        int ws = data.consumeInt(-1, 20);
        boolean ts = data.consumeBoolean();
        var syn = client.segment(TcpFlags.SYN, 5000, 0, data.consumeInt(0, 65535), new byte[0], b -> {
            if (mss > 0 && mss <= 65535) {
                b.mss(mss);
            }
            if (ws >= 0) {
                b.windowScale(ws);
            }
            if (ts) {
                b.timestamps(1, 0);
            }
        });
        TcpEndpoint endpoint = TcpEndpoint.accept(config, SynRequest.from(syn), data.consumeInt(), ticker, client,
                TcpEventListener.NONE);
        for (int step = 0; step < 300 && data.remainingBytes() > 0; step++) {
            switch (data.consumeInt(0, 9)) {
                case 0, 1, 2, 3 -> {
                    int flags = data.consumeInt(0, 255);
                    int seq = (data.consumeBoolean() ? client.lastAck() : data.consumeInt())
                            + data.consumeInt(-3000, 3000);
                    int ack = (data.consumeBoolean() ? client.lastSeq() : data.consumeInt())
                            + data.consumeInt(-3000, 3000);
                    int window = data.consumeInt(0, 65535);
                    byte[] payload = data.consumeBytes(data.consumeInt(0, 1200));
                    boolean withTs = data.consumeBoolean();
                    long tsVal = data.consumeLong();
                    endpoint.onSegment(client.segment(flags, seq, ack, window, payload, b -> {
                        if (withTs) {
                            b.timestamps((int) tsVal, (int) (tsVal >>> 32));
                        }
                    }));
                }
                case 4 -> endpoint.write(ByteBuffer.wrap(data.consumeBytes(data.consumeInt(0, 6000))));
                case 5 -> endpoint.read(ByteBuffer.allocate(data.consumeInt(0, 6000)));
                case 6, 7 -> {
                    ticker.advanceMillis(data.consumeLong(0, 120_000));
                    endpoint.onTimer();
                }
                case 8 -> endpoint.shutdownOutput();
                default -> {
                    if (data.consumeInt(0, 9) == 0) {
                        endpoint.abort();
                    }
                }
            }
            client.drain();
            assertThat(endpoint.bufferMemoryBytes()).isLessThanOrEqualTo(2 * BUFFER + MTU);
            assertThat(endpoint.readableBytes()).isBetween(0, BUFFER);
            if (endpoint.state() == TcpState.CLOSED) {
                assertThat(endpoint.nextTimerDeadline()).isEqualTo(TcpEndpoint.NO_DEADLINE);
            }
        }
    }
}
