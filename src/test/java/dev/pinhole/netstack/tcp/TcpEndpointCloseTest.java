package dev.pinhole.netstack.tcp;

import static dev.pinhole.netstack.packet.TcpFlags.ACK;
import static dev.pinhole.netstack.packet.TcpFlags.FIN;
import static dev.pinhole.netstack.packet.TcpFlags.PSH;
import static dev.pinhole.netstack.packet.TcpFlags.RST;
import static dev.pinhole.netstack.packet.TcpFlags.SYN;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** FIN and RST handling in every state of the RFC 9293 diagram a passive endpoint goes through. */
class TcpEndpointCloseTest extends EndpointFixture {

    /** Drives a fresh endpoint into {@code target} and clears the record of what it took. */
    void driveTo(TcpState target) {
        switch (target) {
            case SYN_RECEIVED -> {
                accept(testConfig().build(), b -> b.mss(1460));
                client.next();
            }
            case ESTABLISHED -> establish();
            case CLOSE_WAIT -> {
                establish();
                endpoint.onSegment(client.segment(FIN | ACK, 5001, 1001, 65535));
            }
            case LAST_ACK -> {
                driveTo(TcpState.CLOSE_WAIT);
                endpoint.shutdownOutput();
            }
            case FIN_WAIT_1 -> {
                establish();
                endpoint.shutdownOutput();
            }
            case FIN_WAIT_2 -> {
                driveTo(TcpState.FIN_WAIT_1);
                endpoint.onSegment(client.segment(ACK, 5001, 1002, 65535));
            }
            case CLOSING -> {
                driveTo(TcpState.FIN_WAIT_1);
                endpoint.onSegment(client.segment(FIN | ACK, 5001, 1001, 65535));
            }
            case TIME_WAIT -> {
                driveTo(TcpState.FIN_WAIT_2);
                endpoint.onSegment(client.segment(FIN | ACK, 5001, 1002, 65535));
            }
            case CLOSED -> throw new IllegalArgumentException("not a live state");
        }
        assertThat(endpoint.state()).isEqualTo(target);
        client.drain();
        events.clear();
    }

    int rcvNxt(TcpState s) {
        return switch (s) {
            case CLOSE_WAIT, LAST_ACK, CLOSING, TIME_WAIT -> 5002;
            default -> 5001;
        };
    }

    /** The client's FIN takes one sequence number; our right window edge stays put, so the window shows one less. */
    int window(TcpState s) {
        return rcvNxt(s) == 5002 ? 8191 : 8192;
    }

    int sndNxt(TcpState s) {
        return switch (s) {
            case LAST_ACK, FIN_WAIT_1, FIN_WAIT_2, CLOSING, TIME_WAIT -> 1002;
            default -> 1001;
        };
    }

    @Test
    void clientFinMovesToCloseWaitAndReadsEndOfStreamAfterTheData() {
        establish();
        endpoint.onSegment(client.segment(FIN | PSH | ACK, 5001, 1001, 65535, bytes(10, 0)));
        assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5012 win=8181 len=0");
        assertThat(endpoint.state()).isEqualTo(TcpState.CLOSE_WAIT);
        assertThat(events).containsExactly("readable");
        assertThat(endpoint.inputShutdown()).isTrue();
        assertThat(readAll()).isEqualTo(bytes(10, 0));
        assertThat(endpoint.read(ByteBuffer.allocate(10))).isEqualTo(-1);
    }

    @Test
    void closeWaitStillSendsThenLastAckClosesOnTheAckOfOurFin() {
        driveTo(TcpState.CLOSE_WAIT);
        endpoint.write(ByteBuffer.wrap(bytes(20, 0)));
        endpoint.shutdownOutput();
        assertThat(client.drain()).containsExactly("PSH|ACK seq=1001 ack=5002 win=8191 len=20",
                "FIN|ACK seq=1021 ack=5002 win=8191 len=0");
        assertThat(endpoint.state()).isEqualTo(TcpState.LAST_ACK);
        endpoint.onSegment(client.segment(ACK, 5002, 1022, 65535));
        assertThat(endpoint.state()).isEqualTo(TcpState.CLOSED);
        assertThat(events).containsExactly("closed NORMAL");
        assertThat(endpoint.nextTimerDeadline()).isEqualTo(TcpEndpoint.NO_DEADLINE);
        client.assertNothingSent();
    }

    @Test
    void finRidesOnTheLastDataSegmentWhenShutdownFollowsAWrite() {
        establish();
        endpoint.write(ByteBuffer.wrap(bytes(100, 0)));
        client.drain();
        endpoint.onSegment(client.segment(ACK, 5001, 1101, 65535));
        endpoint.shutdownOutput();
        assertThat(client.drain()).containsExactly("FIN|ACK seq=1101 ack=5001 win=8192 len=0");
    }

    @Test
    void queuedDataCarriesTheFinWhenShutdownComesBeforeTheWindowOpens() {
        establish(testConfig().build(), 0);
        endpoint.write(ByteBuffer.wrap(bytes(100, 0)));
        endpoint.shutdownOutput();
        client.assertNothingSent();
        assertThat(endpoint.write(ByteBuffer.wrap(bytes(1, 0)))).isEqualTo(-1);
        endpoint.onSegment(client.segment(ACK, 5001, 1001, 1000));
        assertThat(client.drain()).containsExactly("FIN|PSH|ACK seq=1001 ack=5001 win=8192 len=100");
        assertThat(endpoint.state()).isEqualTo(TcpState.FIN_WAIT_1);
    }

    @Test
    void activeCloseGoesThroughFinWait2AndTimeWaitToClosed() {
        establish();
        endpoint.shutdownOutput();
        assertThat(client.drain()).containsExactly("FIN|ACK seq=1001 ack=5001 win=8192 len=0");
        assertThat(endpoint.state()).isEqualTo(TcpState.FIN_WAIT_1);
        endpoint.onSegment(client.segment(ACK, 5001, 1002, 65535));
        assertThat(endpoint.state()).isEqualTo(TcpState.FIN_WAIT_2);
        endpoint.onSegment(client.segment(PSH | ACK, 5001, 1002, 65535, bytes(5, 0)));
        assertThat(client.drain()).containsExactly("ACK seq=1002 ack=5006 win=8187 len=0");
        endpoint.onSegment(client.segment(FIN | ACK, 5006, 1002, 65535));
        assertThat(client.drain()).containsExactly("ACK seq=1002 ack=5007 win=8186 len=0");
        assertThat(endpoint.state()).isEqualTo(TcpState.TIME_WAIT);
        assertThat(endpoint.nextTimerDeadline() - ticker.nanoTime()).isEqualTo(Duration.ofSeconds(60).toNanos());
        ticker.advanceMillis(59_999);
        endpoint.onTimer();
        assertThat(endpoint.state()).isEqualTo(TcpState.TIME_WAIT);
        ticker.advanceMillis(1);
        endpoint.onTimer();
        assertThat(endpoint.state()).isEqualTo(TcpState.CLOSED);
        assertThat(events).containsExactly("readable", "readable", "closed NORMAL");
        assertThat(readAll()).isEqualTo(bytes(5, 0));
    }

    @Test
    void finAndAckOfOurFinTogetherGoStraightToTimeWait() {
        driveTo(TcpState.FIN_WAIT_1);
        endpoint.onSegment(client.segment(FIN | ACK, 5001, 1002, 65535));
        assertThat(client.drain()).containsExactly("ACK seq=1002 ack=5002 win=8191 len=0");
        assertThat(endpoint.state()).isEqualTo(TcpState.TIME_WAIT);
    }

    @Test
    void simultaneousCloseGoesThroughClosing() {
        driveTo(TcpState.FIN_WAIT_1);
        endpoint.onSegment(client.segment(FIN | ACK, 5001, 1001, 65535));
        assertThat(client.drain()).containsExactly("ACK seq=1002 ack=5002 win=8191 len=0");
        assertThat(endpoint.state()).isEqualTo(TcpState.CLOSING);
        endpoint.onSegment(client.segment(ACK, 5002, 1002, 65535));
        assertThat(endpoint.state()).isEqualTo(TcpState.TIME_WAIT);
    }

    @Test
    void retransmittedFinInTimeWaitIsAckedAgainAndRestartsTheTimer() {
        driveTo(TcpState.TIME_WAIT);
        ticker.advanceMillis(30_000);
        endpoint.onSegment(client.segment(FIN | ACK, 5001, 1002, 65535));
        assertThat(client.drain()).containsExactly("ACK seq=1002 ack=5002 win=8191 len=0");
        assertThat(endpoint.nextTimerDeadline() - ticker.nanoTime()).isEqualTo(Duration.ofSeconds(60).toNanos());
    }

    @Test
    void retransmittedFinInCloseWaitIsAckedAgain() {
        driveTo(TcpState.CLOSE_WAIT);
        endpoint.onSegment(client.segment(FIN | ACK, 5001, 1001, 65535));
        assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5002 win=8191 len=0");
        assertThat(endpoint.state()).isEqualTo(TcpState.CLOSE_WAIT);
    }

    @Test
    void unacknowledgedFinIsRetransmittedOnTimeout() {
        driveTo(TcpState.LAST_ACK);
        ticker.advanceMillis(200);
        endpoint.onTimer();
        assertThat(client.drain()).containsExactly("FIN|ACK seq=1001 ack=5002 win=8191 len=0");
    }

    @Test
    void shutdownDuringHandshakeSendsFinOnceEstablished() {
        driveTo(TcpState.SYN_RECEIVED);
        endpoint.shutdownOutput();
        client.assertNothingSent();
        endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535));
        assertThat(client.drain()).containsExactly("FIN|ACK seq=1001 ack=5001 win=8192 len=0");
        assertThat(endpoint.state()).isEqualTo(TcpState.FIN_WAIT_1);
    }

    @Test
    void finBeyondAHoleIsHonouredOnceTheHoleFills() {
        establish();
        endpoint.onSegment(client.segment(FIN | ACK, 5011, 1001, 65535, bytes(10, 2)));
        assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5001 win=8192 len=0");
        assertThat(endpoint.state()).isEqualTo(TcpState.ESTABLISHED);
        endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(10, 1)));
        assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5022 win=8171 len=0");
        assertThat(endpoint.state()).isEqualTo(TcpState.CLOSE_WAIT);
    }

    @ParameterizedTest
    @EnumSource(value = TcpState.class, names = {"CLOSED", "SYN_SENT"}, mode = EnumSource.Mode.EXCLUDE)
    void resetAtExactlyRcvNxtClosesTheFlowSilently(TcpState state) {
        driveTo(state);
        endpoint.onSegment(client.segment(RST, rcvNxt(state), 0, 0));
        assertThat(endpoint.state()).isEqualTo(TcpState.CLOSED);
        assertThat(events).containsExactly(
                "closed " + (state == TcpState.TIME_WAIT ? CloseReason.NORMAL : CloseReason.RESET_BY_PEER));
        client.assertNothingSent();
        assertThat(endpoint.nextTimerDeadline()).isEqualTo(TcpEndpoint.NO_DEADLINE);
    }

    @ParameterizedTest
    @EnumSource(value = TcpState.class, names = {"CLOSED", "SYN_SENT", "TIME_WAIT"}, mode = EnumSource.Mode.EXCLUDE)
    void resetInsideTheWindowButNotExactEarnsAChallengeAck(TcpState state) {
        driveTo(state);
        endpoint.onSegment(client.segment(RST, rcvNxt(state) + 100, 0, 0));
        assertThat(endpoint.state()).isEqualTo(state);
        assertThat(client.drain()).containsExactly(
                "ACK seq=" + sndNxt(state) + " ack=" + rcvNxt(state) + " win=" + window(state) + " len=0");
    }

    @ParameterizedTest
    @EnumSource(value = TcpState.class, names = {"CLOSED", "SYN_SENT"}, mode = EnumSource.Mode.EXCLUDE)
    void resetOutsideTheWindowIsIgnored(TcpState state) {
        driveTo(state);
        endpoint.onSegment(client.segment(RST, rcvNxt(state) + 100_000, 0, 0));
        endpoint.onSegment(client.segment(RST | ACK, rcvNxt(state) - 1, sndNxt(state), 0));
        assertThat(endpoint.state()).isEqualTo(state);
        client.assertNothingSent();
        assertThat(events).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = TcpState.class, names = {"ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_2"})
    void synInASynchronizedStateEarnsAChallengeAck(TcpState state) {
        driveTo(state);
        endpoint.onSegment(client.segment(SYN, rcvNxt(state) + 10, 0, 65535));
        assertThat(endpoint.state()).isEqualTo(state);
        assertThat(client.drain()).containsExactly(
                "ACK seq=" + sndNxt(state) + " ack=" + rcvNxt(state) + " win=" + window(state) + " len=0");
    }

    @Test
    void challengeAcksAreLimitedPerSecond() {
        establish();
        for (int i = 0; i < 3 * TcpConnection.CHALLENGE_ACKS_PER_SECOND; i++) {
            endpoint.onSegment(client.segment(RST, 5001 + 100 + i, 0, 0));
        }
        assertThat(client.drain()).hasSize(TcpConnection.CHALLENGE_ACKS_PER_SECOND);
        ticker.advanceMillis(1000);
        endpoint.onSegment(client.segment(SYN, 5100, 0, 0));
        assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5001 win=8192 len=0");
        assertThat(endpoint.state()).isEqualTo(TcpState.ESTABLISHED);
    }

    @Test
    void abortSendsResetAndClosesWithoutDeliveringMore() {
        establish();
        endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(10, 0)));
        client.drain();
        events.clear();
        endpoint.abort();
        assertThat(client.drain()).containsExactly("RST|ACK seq=1001 ack=5011 win=8182 len=0");
        assertThat(events).containsExactly("closed ABORTED");
        assertThat(endpoint.read(ByteBuffer.allocate(100))).isEqualTo(-1);
        assertThat(endpoint.write(ByteBuffer.allocate(1))).isEqualTo(-1);
        endpoint.abort();
        endpoint.onSegment(client.segment(ACK, 5011, 1001, 65535, bytes(10, 0)));
        client.assertNothingSent();
    }

    @Test
    void abortDuringHandshakeSendsAPlainReset() {
        driveTo(TcpState.SYN_RECEIVED);
        endpoint.abort();
        assertThat(client.drain()).containsExactly("RST seq=1001 ack=- win=0 len=0");
    }
}
