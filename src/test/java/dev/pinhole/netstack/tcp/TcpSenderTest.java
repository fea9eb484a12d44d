package dev.pinhole.netstack.tcp;

import static dev.pinhole.netstack.packet.TcpFlags.ACK;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.budget.Allowance;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The sending half on its own, after a handshake (ISS 1000, the peer's MSS 1000, its window 65535): bytes in,
 * segments out through a {@link ScriptedClient} sink, ACKs and timer ticks driven by hand.
 */
class TcpSenderTest {
    private static final int ISS = 1000;
    private static final int IRS = 5000;
    private static final int PEER_MSS = 1000;

    private final ScriptedClient client = new ScriptedClient(false);
    private final PendingEvents events = new PendingEvents();
    private final TcpConfig config = EndpointFixture.testConfig().initialWindowSegments(2).build();
    private final TcpSender sender;

    TcpSenderTest() {
        int ourMss = config.mssFor(4);
        TcpReceiver receiver = new TcpReceiver(config, ourMss, Allowance.UNLIMITED, events);
        receiver.synchronize(IRS);
        SegmentWriter writer = new SegmentWriter(config, client.app.getAddress(), ScriptedClient.APP_PORT,
                client.client.getAddress(), ScriptedClient.CLIENT_PORT, ourMss, receiver, client);
        sender = new TcpSender(config, ISS, ourMss, Allowance.UNLIMITED, writer, events);
        sender.negotiate(0, PEER_MSS, false);
        sender.takeWindow(65535, IRS, ISS);
        sender.handshakeAcked(ISS + 1, 0);
    }

    private void write(int bytes) {
        sender.queue(ByteBuffer.allocate(bytes));
        sender.transmit(0);
    }

    private AckVerdict ack(int ack, int window) {
        var segment = client.segment(ACK, IRS + 1, ack, window).tcp();
        return sender.onAck(segment, IRS + 1, ack, 0, true);
    }

    @Test
    void sendsNoMoreThanTheInitialCongestionWindowWhateverThePeerOffers() {
        write(10_000);

        assertThat(client.drain()).containsExactly(
                "ACK seq=1001 ack=5001 win=8192 len=1000",
                "ACK seq=2001 ack=5001 win=8192 len=1000");
    }

    @Test
    void anAckGrowsTheWindowInSlowStartAndReleasesMoreData() {
        write(10_000);
        client.drain();

        assertThat(ack(ISS + 1001, 65535)).isEqualTo(AckVerdict.ACCEPTED);

        assertThat(client.drain()).as("cwnd 3 segments, 1 in flight: two more").hasSize(0);
        sender.transmit(0);
        assertThat(client.drain()).containsExactly(
                "ACK seq=3001 ack=5001 win=8192 len=1000",
                "ACK seq=4001 ack=5001 win=8192 len=1000");
    }

    @Test
    void theThirdDuplicateAckRetransmitsTheOldestSegmentOnce() {
        write(2000);
        client.drain();

        ack(ISS + 1, 65535);
        ack(ISS + 1, 65535);
        assertThat(client.drain()).isEmpty();
        ack(ISS + 1, 65535);

        assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5001 win=8192 len=1000");
        ack(ISS + 1, 65535);
        assertThat(client.drain()).as("further duplicates inflate the window, no second retransmit").isEmpty();
    }

    @Test
    void anAckForDataNeverSentIsAheadAndChangesNothing() {
        write(1000);
        client.drain();

        assertThat(ack(ISS + 5000, 0)).isEqualTo(AckVerdict.AHEAD);

        assertThat(sender.unacknowledged()).isEqualTo(ISS + 1);
        assertThat(sender.sendWindow()).isEqualTo(65535);
    }

    @Test
    void anAckFromFarBehindTheWindowIsStale() {
        assertThat(ack(ISS - 200_000, 65535)).isEqualTo(AckVerdict.STALE);
    }

    @Test
    void anAckCoveringOurFinSaysSo() {
        write(100);
        sender.queueFin();
        sender.transmit(0);
        client.drain();

        assertThat(ack(ISS + 101, 65535)).as("data acknowledged, FIN not yet").isEqualTo(AckVerdict.ACCEPTED);
        assertThat(ack(ISS + 102, 65535)).isEqualTo(AckVerdict.FIN_ACKED);
        assertThat(sender.idle()).isTrue();
    }

    @Test
    void aTimeoutGoesBackToTheOldestByteWithOneSegment() {
        write(3000);
        client.drain();

        assertThat(sender.timedOut()).isEqualTo(1);
        sender.goBack();
        sender.transmit(0);

        assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5001 win=8192 len=1000");
        assertThat(sender.retransmissionArmed()).isTrue();
    }

    @Test
    void aZeroWindowIsProbedBelowSndUnaAndGivenUpAfterTheRetransmissionLimit() {
        sender.takeWindow(0, IRS + 1, ISS + 1);
        write(500);
        assertThat(client.drain()).as("a zero window takes no data").isEmpty();
        assertThat(sender.persistTimer().armed()).isTrue();

        for (int i = 0; i < config.maxRetransmissions(); i++) {
            assertThat(sender.probeZeroWindow(sender.persistTimer().at())).isTrue();
            assertThat(client.drain()).containsExactly("ACK seq=1000 ack=5001 win=8192 len=0");
        }
        assertThat(sender.probeZeroWindow(sender.persistTimer().at())).as("one probe too many").isFalse();
    }

    @Test
    void roomFreedForABlockedWriterRaisesWritable() {
        sender.queue(ByteBuffer.allocate(config.sendBufferBytes() + 1));
        sender.transmit(0);
        client.drain();
        events.take();

        ack(ISS + 1001, 65535);

        assertThat(events.take()).isEqualTo(PendingEvents.WRITABLE);
    }
}
