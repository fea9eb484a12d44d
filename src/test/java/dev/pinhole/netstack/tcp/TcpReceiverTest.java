package dev.pinhole.netstack.tcp;

import static dev.pinhole.netstack.packet.TcpFlags.ACK;
import static dev.pinhole.netstack.packet.TcpFlags.FIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.budget.Allowance;
import dev.pinhole.netstack.packet.TcpHeader;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The receiving half on its own: segments in, bytes, window and ACK decisions out; no sender, no clock. */
class TcpReceiverTest {
    private static final int IRS = 5000;
    private static final int MSS = 1460;

    private final ScriptedClient client = new ScriptedClient(false);
    private final PendingEvents events = new PendingEvents();

    private TcpReceiver receiver(TcpConfig config) {
        TcpReceiver r = new TcpReceiver(config, MSS, Allowance.UNLIMITED, events);
        r.synchronize(IRS);
        r.onSynAckSent(r.synWindow());
        return r;
    }

    private TcpReceiver receiver() {
        return receiver(EndpointFixture.testConfig().delayedAck(Duration.ofMillis(40)).build());
    }

    private TcpHeader data(int seq, int length) {
        return client.segment(ACK, seq, 1001, 65535, new byte[length]).tcp();
    }

    @Test
    void outOfOrderDataWaitsAtItsPlaceAndAsksForADuplicateAckAtOnce() {
        TcpReceiver r = receiver();

        r.receiveText(data(IRS + 101, 100), IRS + 101, 0);

        assertThat(r.rcvNxt()).isEqualTo(IRS + 1);
        assertThat(r.readable()).isZero();
        assertThat(r.ackPending()).isTrue();
    }

    @Test
    void filledHoleDeliversBothSegmentsAndIsAcknowledgedAtOnce() {
        TcpReceiver r = receiver();
        r.receiveText(data(IRS + 101, 100), IRS + 101, 0);
        r.onAckSent();

        r.receiveText(data(IRS + 1, 100), IRS + 1, 0);

        assertThat(r.rcvNxt()).isEqualTo(IRS + 201);
        assertThat(r.readable()).isEqualTo(200);
        assertThat(r.ackPending()).as("a segment that fills a hole is acknowledged at once").isTrue();
        assertThat(events.take() & PendingEvents.READABLE).isNotZero();
    }

    @Test
    void loneInOrderSegmentArmsTheDelayedAckInsteadOfAnAckNow() {
        TcpReceiver r = receiver();

        r.receiveText(data(IRS + 1, 100), IRS + 1, 7_000);

        assertThat(r.ackPending()).isFalse();
        assertThat(r.delayedAck().at()).isEqualTo(7_000 + Duration.ofMillis(40).toNanos());
        assertThat(r.delayedAck().due(7_000 + Duration.ofMillis(40).toNanos())).isTrue();
    }

    @Test
    void heldAcksCoverAWholeBurstWithOneAckAtTheFlush() {
        TcpReceiver r = receiver();
        r.holdAcks();

        for (int i = 0; i < 6; i++) {
            r.receiveText(data(IRS + 1 + i * 100, 100), IRS + 1 + i * 100, 0);
        }

        assertThat(r.ackPending()).as("no routine ACK while held").isFalse();
        assertThat(r.flushAcks()).as("one held ACK to send at the flush").isTrue();
        assertThat(r.flushAcks()).as("and only one").isFalse();
    }

    @Test
    void dataBeyondTheWindowIsTrimmedAndAcknowledgedAtOnce() {
        TcpReceiver r = receiver();
        int window = r.synWindow();

        r.receiveText(data(IRS + 1, window + 500), IRS + 1, 0);

        assertThat(r.readable()).isEqualTo(window);
        assertThat(r.windowField()).isZero();
        assertThat(r.ackPending()).isTrue();
    }

    @Test
    void withAZeroWindowOnlyASegmentAtRcvNxtIsAcceptable() {
        TcpReceiver r = receiver();
        r.receiveText(data(IRS + 1, r.synWindow()), IRS + 1, 0);

        assertThat(r.acceptable(IRS + 1 + r.readable(), 100)).isTrue();
        assertThat(r.acceptable(IRS + 2 + r.readable(), 0)).isFalse();
        assertThat(r.acceptable(IRS + 2 + r.readable(), 100)).isFalse();
    }

    @Test
    void advertisedRightEdgeNeverMovesLeftAndGrowsOnlyByAUsefulStep() {
        TcpReceiver r = receiver();
        int window = r.synWindow();
        r.receiveText(data(IRS + 1, 6000), IRS + 1, 0);
        int edge = IRS + 1 + window;

        assertThat(IRS + 6001 + r.windowField()).as("edge kept while the data is unread").isEqualTo(edge);
        r.read(ByteBuffer.allocate(10));
        assertThat(IRS + 6001 + r.windowField()).as("a 10-byte read does not move the edge").isEqualTo(edge);
        assertThat(r.windowReopened()).isFalse();
        r.read(ByteBuffer.allocate(5990));
        assertThat(r.windowReopened()).as("the full window is back: worth an update").isTrue();
        assertThat(IRS + 6001 + r.windowField()).isEqualTo(IRS + 6001 + window);
    }

    @Test
    void finBeyondAHoleIsTakenWhenTheHoleFills() {
        TcpReceiver r = receiver();
        TcpHeader finAfterHole = client.segment(ACK | FIN, IRS + 101, 1001, 65535, new byte[100]).tcp();
        r.receiveText(finAfterHole, IRS + 101, 0);
        r.rememberFin(IRS + 201);

        boolean finNowInOrder = r.receiveText(data(IRS + 1, 100), IRS + 1, 0);

        assertThat(finNowInOrder).isTrue();
        r.acceptFin();
        assertThat(r.rcvNxt()).isEqualTo(IRS + 202);
        assertThat(r.inputShutdown()).isTrue();
        assertThat(r.read(ByteBuffer.allocate(500))).isEqualTo(200);
        assertThat(r.read(ByteBuffer.allocate(500))).isEqualTo(-1);
    }
}
