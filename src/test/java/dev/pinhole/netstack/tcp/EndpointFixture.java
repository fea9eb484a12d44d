package dev.pinhole.netstack.tcp;

import static dev.pinhole.netstack.packet.TcpFlags.ACK;
import static dev.pinhole.netstack.packet.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.time.FakeTicker;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Shared fixture: one endpoint driven by a {@link ScriptedClient}, a fake ticker and an event recorder.
 * Our ISS is 1000, the client's 5000; after the handshake we send from 1001 and expect 5001.
 */
abstract class EndpointFixture {
    static final int ISS = 1000;
    static final int CLIENT_ISN = 5000;

    final FakeTicker ticker = new FakeTicker();
    final ScriptedClient client = new ScriptedClient(false);
    final List<String> events = new ArrayList<>();
    TcpEndpoint endpoint;

    final TcpEventListener recorder = new TcpEventListener() {
        @Override
        public void onConnected() {
            events.add("connected");
        }

        @Override
        public void onReadable() {
            events.add("readable");
        }

        @Override
        public void onWritable() {
            events.add("writable");
        }

        @Override
        public void onClosed(CloseReason reason) {
            events.add("closed " + reason);
        }
    };

    static TcpConfig.Builder testConfig() {
        return TcpConfig.builder().mtu(1500).sendBufferBytes(16384).receiveBufferBytes(8192)
                .windowScaling(false).timestamps(false).delayedAck(Duration.ZERO)
                .initialRto(Duration.ofSeconds(1)).minRto(Duration.ofMillis(200)).maxRto(Duration.ofSeconds(60))
                .maxRetransmissions(3).maxSynAckRetransmissions(2).timeWait(Duration.ofSeconds(60));
    }

    void accept(TcpConfig config, Consumer<TcpSegmentBuilder> synOptions) {
        var syn = client.segment(SYN, CLIENT_ISN, 0, 64240, new byte[0], synOptions);
        endpoint = TcpEndpoint.accept(config, SynRequest.from(syn), ISS, ticker, client, recorder);
    }

    /** Handshake with a 50 ms RTT (so RTO = 200 ms, the floor); the client's window is {@code window}. */
    void establish(TcpConfig config, int window) {
        accept(config, b -> b.mss(1460));
        assertThat(client.nextLine()).isEqualTo("SYN|ACK seq=1000 ack=5001 win=8192 len=0");
        ticker.advanceMillis(50);
        endpoint.onSegment(client.segment(ACK, 5001, 1001, window));
        assertThat(endpoint.state()).isEqualTo(TcpState.ESTABLISHED);
        client.assertNothingSent();
        events.clear();
    }

    void establish() {
        establish(testConfig().build(), 65535);
    }

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }

    byte[] readAll() {
        ByteBuffer dst = ByteBuffer.allocate(1 << 20);
        endpoint.read(dst);
        return Arrays.copyOf(dst.array(), dst.position());
    }

}
