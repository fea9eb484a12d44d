package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pinhole.ipset.Cidr;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Fuzzes the receive path and the config parsers. Invariants: no exception escapes, and junk (or a corrupted copy
 * of an already-seen genuine message) makes the device neither send nor deliver anything.
 */
class DeviceFuzzTest {
    private static final InetSocketAddress FROM = new InetSocketAddress("192.0.2.1", 51820);

    /** Counts what the device tries to do. */
    private static final class Recorder implements Output {
        int sends;
        int deliveries;

        @Override
        public void deliver(Peer peer, ByteBuffer ipPacket) {
            deliveries++;
        }

        @Override
        public void send(ByteBuffer datagram, InetSocketAddress to) {
            sends++;
        }
    }

    /**
     * Built once: an established pair plus genuine messages of every type, already consumed by the server. Both
     * sides hold sessions that authenticated a message at the (fake, standing) current time, so junk whose index
     * happens to name the peer is {@code SESSION_LIVE} to session recovery, never an initiation.
     */
    private static final class Fixture {
        final TestNet net = new TestNet();
        final TestNet.Node client = net.node("192.0.2.1");
        final TestNet.Node server = net.node("192.0.2.2", c -> c.withUnderLoadThreshold(1_000_000));
        final List<byte[]> genuine;

        Fixture() {
            TestNet.pair(client, "100.64.0.1", server, "100.64.0.2");
            server.device.upsertPeer(PeerConfig.of(client.publicKey(), List.of(Cidr.parse("100.64.0.1/32")))
                    .withEndpoint(client.address));
            client.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", "seed".getBytes()));
            net.pump();
            server.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", "back".getBytes()));
            net.pump();
            genuine = client.sent.stream().map(TestNet.Datagram::bytes).toList();
            response = server.sent.stream().filter(d -> d.bytes()[0] == 2).findFirst().orElseThrow().bytes();
        }

        /** The server's handshake response, fed back to the client (which has consumed it already). */
        final byte[] response;
    }

    private static Fixture fixture;

    private static synchronized Fixture fixture() {
        if (fixture == null) {
            fixture = new Fixture();
        }
        return fixture;
    }

    @FuzzTest(maxDuration = "30s")
    void junkDatagramsGetNoReplyAndNoDelivery(byte[] data) {
        Fixture f = fixture();
        Recorder out = new Recorder();
        f.server.device.onDatagram(ByteBuffer.wrap(data), FROM, f.net.ticker.nanoTime(), out);
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length);
        direct.put(data).flip();
        f.server.device.onDatagram(direct, FROM, f.net.ticker.nanoTime(), out);
        assertThat(out.sends).isZero();
        assertThat(out.deliveries).isZero();
    }

    @FuzzTest(maxDuration = "30s")
    void corruptedGenuineMessagesGetNoReplyAndNoDelivery(FuzzedDataProvider data) {
        Fixture f = fixture();
        int which = data.consumeInt(0, f.genuine.size());
        byte[] msg = (which == f.genuine.size() ? f.response : f.genuine.get(which)).clone();
        boolean toClient = which == f.genuine.size();
        int flips = data.consumeInt(0, 8);
        for (int i = 0; i < flips && msg.length > 0; i++) {
            int pos = data.consumeInt(0, msg.length - 1);
            msg[pos] ^= (byte) data.consumeInt(1, 255);
        }
        byte[] tail = data.consumeRemainingAsBytes();
        if (tail.length > 0) {
            msg = java.util.Arrays.copyOf(msg, Math.min(msg.length + tail.length, 70000));
        }
        Recorder out = new Recorder();
        TestNet.Node target = toClient ? f.client : f.server;
        target.device.onDatagram(ByteBuffer.wrap(msg), FROM, f.net.ticker.nanoTime(), out);
        assertThat(out.sends).isZero();
        assertThat(out.deliveries).isZero();
    }

    @FuzzTest(maxDuration = "20s")
    void outboundPacketsNeverThrow(byte[] data) {
        Fixture f = fixture();
        f.client.device.onOutboundPacket(ByteBuffer.wrap(data), f.net.ticker.nanoTime(), new Recorder());
    }

    @FuzzTest(maxDuration = "20s")
    void keyParserFailsOnlyWithIllegalArgument(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        try {
            Keys.fromBase64(text);
        } catch (IllegalArgumentException expected) {
            // refused with a reason: fine
        }
    }
}
