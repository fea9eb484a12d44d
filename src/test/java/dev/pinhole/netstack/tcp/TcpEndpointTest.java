package dev.pinhole.netstack.tcp;

import static dev.pinhole.netstack.packet.TcpFlags.ACK;
import static dev.pinhole.netstack.packet.TcpFlags.FIN;
import static dev.pinhole.netstack.packet.TcpFlags.PSH;
import static dev.pinhole.netstack.packet.TcpFlags.RST;
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
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Drives one endpoint with scripted client segments and asserts the exact segments it sends back.
 * Our ISS is 1000, the client's 5000; after the handshake we send from 1001 and expect 5001.
 */
class TcpEndpointTest extends EndpointFixture {
    @Nested
    class Handshake {
        @Test
        void synAckCarriesOurMssAndAFullUnscaledWindow() {
            accept(testConfig().build(), b -> b.mss(1460));
            var synAck = client.next();
            assertThat(ScriptedClient.describe(synAck)).isEqualTo("SYN|ACK seq=1000 ack=5001 win=8192 len=0");
            assertThat(synAck.tcp().options().mss()).isEqualTo(1460);
            assertThat(synAck.tcp().options().windowScale()).isEqualTo(-1);
            assertThat(synAck.tcp().options().hasTimestamps()).isFalse();
            assertThat(endpoint.state()).isEqualTo(TcpState.SYN_RECEIVED);
        }

        @Test
        void ackOfSynAckEstablishesAndFiresConnected() {
            accept(testConfig().build(), b -> b.mss(1460));
            client.next();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535));
            assertThat(endpoint.state()).isEqualTo(TcpState.ESTABLISHED);
            assertThat(events).containsExactly("connected");
            client.assertNothingSent();
        }

        @Test
        void ourMssFollowsTheTunnelMtuForIpv6() {
            var v6 = new ScriptedClient(true);
            var syn = v6.segment(SYN, CLIENT_ISN, 0, 64240, new byte[0], b -> b.mss(1440));
            TcpEndpoint.accept(TcpConfig.builder().mtu(1420).timestamps(false).build(), SynRequest.from(syn), ISS,
                    ticker, v6, recorder);
            assertThat(v6.next().tcp().options().mss()).isEqualTo(1360);
        }

        @Test
        void unacceptableAckInSynReceivedIsAnsweredWithReset() {
            accept(testConfig().build(), b -> b.mss(1460));
            client.next();
            endpoint.onSegment(client.segment(ACK, 5001, 1005, 65535));
            assertThat(client.nextLine()).isEqualTo("RST seq=1005 ack=- win=0 len=0");
            assertThat(endpoint.state()).isEqualTo(TcpState.SYN_RECEIVED);
        }

        @Test
        void retransmittedSynGetsTheSynAckAgain() {
            accept(testConfig().build(), b -> b.mss(1460));
            client.next();
            endpoint.onSegment(client.segment(SYN, CLIENT_ISN, 0, 64240));
            assertThat(client.nextLine()).isEqualTo("SYN|ACK seq=1000 ack=5001 win=8192 len=0");
        }

        @Test
        void synAckIsRetransmittedWithBackoffThenTheHalfOpenFlowIsDropped() {
            accept(testConfig().build(), b -> b.mss(1460));
            client.next();
            long start = ticker.nanoTime();
            assertThat(endpoint.nextTimerDeadline() - start).isEqualTo(Duration.ofSeconds(1).toNanos());
            ticker.advanceMillis(1000);
            endpoint.onTimer();
            assertThat(client.nextLine()).isEqualTo("SYN|ACK seq=1000 ack=5001 win=8192 len=0");
            assertThat(endpoint.nextTimerDeadline() - ticker.nanoTime()).isEqualTo(Duration.ofSeconds(2).toNanos());
            ticker.advanceMillis(2000);
            endpoint.onTimer();
            assertThat(client.nextLine()).isEqualTo("SYN|ACK seq=1000 ack=5001 win=8192 len=0");
            ticker.advanceMillis(4000);
            endpoint.onTimer();
            client.assertNothingSent();
            assertThat(endpoint.state()).isEqualTo(TcpState.CLOSED);
            assertThat(events).containsExactly("closed TIMED_OUT");
        }

        @Test
        void dataOnTheHandshakeAckIsAccepted() {
            accept(testConfig().build(), b -> b.mss(1460));
            client.next();
            endpoint.onSegment(client.segment(ACK | PSH, 5001, 1001, 65535, bytes(10, 1)));
            assertThat(client.nextLine()).isEqualTo("ACK seq=1001 ack=5011 win=8182 len=0");
            assertThat(events).containsExactly("connected", "readable");
            assertThat(readAll()).isEqualTo(bytes(10, 1));
        }

        @Test
        void dataWrittenBeforeTheHandshakeCompletesIsSentAfterIt() {
            accept(testConfig().build(), b -> b.mss(1460));
            client.next();
            assertThat(endpoint.write(ByteBuffer.wrap(bytes(5, 3)))).isEqualTo(5);
            client.assertNothingSent();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535));
            assertThat(client.nextLine()).isEqualTo("PSH|ACK seq=1001 ack=5001 win=8192 len=5");
        }
    }

    @Nested
    class DataTransfer {
        @Test
        void clientDataIsAckedAndDeliveredInOrder() {
            establish();
            endpoint.onSegment(client.segment(ACK | PSH, 5001, 1001, 65535, bytes(100, 1)));
            assertThat(client.nextLine()).isEqualTo("ACK seq=1001 ack=5101 win=8092 len=0");
            assertThat(events).containsExactly("readable");
            assertThat(endpoint.readableBytes()).isEqualTo(100);
            assertThat(readAll()).isEqualTo(bytes(100, 1));
        }

        @Test
        void writesAreCutIntoMssSizedSegments() {
            establish();
            byte[] data = bytes(3000, 2);
            assertThat(endpoint.write(ByteBuffer.wrap(data))).isEqualTo(3000);
            var s1 = client.next();
            var s2 = client.next();
            var s3 = client.next();
            assertThat(ScriptedClient.describe(s1)).isEqualTo("ACK seq=1001 ack=5001 win=8192 len=1460");
            assertThat(ScriptedClient.describe(s2)).isEqualTo("ACK seq=2461 ack=5001 win=8192 len=1460");
            assertThat(ScriptedClient.describe(s3)).isEqualTo("PSH|ACK seq=3921 ack=5001 win=8192 len=80");
            byte[] joined = new byte[3000];
            System.arraycopy(ScriptedClient.payloadOf(s1), 0, joined, 0, 1460);
            System.arraycopy(ScriptedClient.payloadOf(s2), 0, joined, 1460, 1460);
            System.arraycopy(ScriptedClient.payloadOf(s3), 0, joined, 2920, 80);
            assertThat(joined).isEqualTo(data);
        }

        @Test
        void peerMssSmallerThanOursIsHonoured() {
            accept(testConfig().build(), b -> b.mss(1000));
            client.next();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535));
            endpoint.write(ByteBuffer.wrap(bytes(1500, 0)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5001 win=8192 len=1000",
                    "PSH|ACK seq=2001 ack=5001 win=8192 len=500");
        }

        @Test
        void sendingStopsAtThePeerWindowAndResumesWhenItOpens() {
            establish(testConfig().build(), 1000);
            endpoint.write(ByteBuffer.wrap(bytes(1500, 0)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5001 win=8192 len=1000");
            endpoint.onSegment(client.segment(ACK, 5001, 2001, 1000));
            assertThat(client.drain()).containsExactly("PSH|ACK seq=2001 ack=5001 win=8192 len=500");
        }

        @Test
        void sendBufferAcceptsOnlyWhatFitsAndSignalsWritableOnceAcked() {
            establish(testConfig().build(), 0);
            assertThat(endpoint.write(ByteBuffer.wrap(bytes(20000, 0)))).isEqualTo(16384);
            assertThat(endpoint.writableBytes()).isZero();
            assertThat(endpoint.write(ByteBuffer.wrap(bytes(10, 0)))).isZero();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 2920));
            assertThat(client.drain()).hasSize(2);
            assertThat(events).isEmpty();
            endpoint.onSegment(client.segment(ACK, 5001, 3921, 0));
            assertThat(events).containsExactly("writable");
            assertThat(endpoint.writableBytes()).isEqualTo(2920);
        }

        @Test
        void writeThatExactlyFillsTheSendBufferSignalsWritableOnceAcked() {
            // A relay writes exactly writableBytes(): nothing is left over, yet it must hear when room frees up.
            establish(testConfig().build(), 0);
            assertThat(endpoint.write(ByteBuffer.wrap(bytes(16384, 0)))).isEqualTo(16384);
            assertThat(endpoint.writableBytes()).isZero();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 2920));
            client.drain();
            endpoint.onSegment(client.segment(ACK, 5001, 3921, 0));
            assertThat(events).containsExactly("writable");
        }

        @Test
        void clientDataBeyondTheReceiveWindowIsTrimmed() {
            establish();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(1400, 0)));
            client.next();
            // 6 more segments of 1400 = 8400 bytes offered against 6792 free: the last two are cut or refused.
            for (int i = 1; i <= 6; i++) {
                endpoint.onSegment(client.segment(ACK, 5001 + 1400 * i, 1001, 65535, bytes(1400, i)));
            }
            var lines = client.drain();
            assertThat(lines.get(lines.size() - 1)).isEqualTo("ACK seq=1001 ack=13193 win=0 len=0");
            assertThat(endpoint.readableBytes()).isEqualTo(8192);
        }

        @Test
        void ackForDataNeverSentIsAnsweredWithAnAckAndIgnored() {
            establish();
            endpoint.onSegment(client.segment(ACK, 5001, 9999, 65535, bytes(10, 0)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5001 win=8192 len=0");
            assertThat(endpoint.readableBytes()).isZero();
        }

        @Test
        void delayedAckWaitsForASecondSegmentOrTheTimer() {
            establish(testConfig().delayedAck(Duration.ofMillis(40)).build(), 65535);
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(100, 0)));
            client.assertNothingSent();
            assertThat(endpoint.nextTimerDeadline() - ticker.nanoTime()).isEqualTo(Duration.ofMillis(40).toNanos());
            ticker.advanceMillis(40);
            endpoint.onTimer();
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5101 win=8092 len=0");
            endpoint.onSegment(client.segment(ACK, 5101, 1001, 65535, bytes(100, 0)));
            client.assertNothingSent();
            endpoint.onSegment(client.segment(ACK, 5201, 1001, 65535, bytes(100, 0)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5301 win=7892 len=0");
        }
    }

    /** {@link TcpEndpoint#holdAcks()}: the relay's bursts. Delayed ACK 40 ms as in the connector. */
    @Nested
    class HeldAcks {
        void establishWithDelayedAck() {
            establish(testConfig().delayedAck(Duration.ofMillis(40)).build(), 65535);
        }

        @Test
        void aBurstIsAcknowledgedOnceWhenFlushedWithTheWindowAfterTheRead() {
            establishWithDelayedAck();
            endpoint.holdAcks();
            for (int i = 0; i < 4; i++) {
                endpoint.onSegment(client.segment(ACK, 5001 + 1000 * i, 1001, 65535, bytes(1000, i)));
            }
            client.assertNothingSent();
            assertThat(readAll()).hasSize(4000);
            client.assertNothingSent();
            endpoint.flushAcks();
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=9001 win=8192 len=0");
            assertThat(endpoint.nextTimerDeadline()).isEqualTo(TcpEndpoint.NO_DEADLINE);
        }

        @Test
        void withoutHoldingEverySecondSegmentIsAcknowledgedAtOnce() {
            establishWithDelayedAck();
            for (int i = 0; i < 4; i++) {
                endpoint.onSegment(client.segment(ACK, 5001 + 1000 * i, 1001, 65535, bytes(1000, i)));
            }
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=7001 win=6192 len=0",
                    "ACK seq=1001 ack=9001 win=4192 len=0");
        }

        @Test
        void aLoneSegmentInABurstStillWaitsForTheDelayedAckTimer() {
            establishWithDelayedAck();
            endpoint.holdAcks();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(100, 0)));
            endpoint.flushAcks();
            client.assertNothingSent();
            assertThat(endpoint.nextTimerDeadline() - ticker.nanoTime()).isEqualTo(Duration.ofMillis(40).toNanos());
            ticker.advanceMillis(40);
            endpoint.onTimer();
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5101 win=8092 len=0");
        }

        @Test
        void anOutOfOrderSegmentIsAcknowledgedAtOnceWhileHolding() {
            establishWithDelayedAck();
            endpoint.holdAcks();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(1000, 0)));
            endpoint.onSegment(client.segment(ACK, 7001, 1001, 65535, bytes(1000, 2)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=6001 win=7192 len=0");
            endpoint.onSegment(client.segment(ACK, 8001, 1001, 65535, bytes(1000, 3)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=6001 win=7192 len=0");
            // Filling the hole is acknowledged at once too: the sender is recovering.
            endpoint.onSegment(client.segment(ACK, 6001, 1001, 65535, bytes(1000, 1)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=9001 win=4192 len=0");
            endpoint.flushAcks();
            client.assertNothingSent();
        }

        @Test
        void aFinIsAcknowledgedAtOnceWhileHolding() {
            establishWithDelayedAck();
            endpoint.holdAcks();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(1000, 0)));
            endpoint.onSegment(client.segment(ACK | FIN, 6001, 1001, 65535, bytes(1000, 1)));
            // 6191: the FIN took a sequence number and the right edge never moves left.
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=7002 win=6191 len=0");
            endpoint.flushAcks();
            client.assertNothingSent();
        }

        @Test
        void aWindowUpdateAfterAReadIsHeldUntilTheFlush() {
            establishWithDelayedAck();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(4096, 0)));
            endpoint.onSegment(client.segment(ACK, 9097, 1001, 65535, bytes(4096, 1)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=13193 win=0 len=0");
            endpoint.holdAcks();
            endpoint.read(ByteBuffer.allocate(4096));
            client.assertNothingSent();
            endpoint.read(ByteBuffer.allocate(4096));
            client.assertNothingSent();
            endpoint.flushAcks();
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=13193 win=8192 len=0");
        }

        @Test
        void dataWeSendDuringABurstCarriesTheAckAndNothingIsLeftToFlush() {
            establishWithDelayedAck();
            endpoint.holdAcks();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(1000, 0)));
            endpoint.onSegment(client.segment(ACK, 6001, 1001, 65535, bytes(1000, 1)));
            endpoint.write(ByteBuffer.wrap(bytes(10, 0)));
            assertThat(client.drain()).containsExactly("PSH|ACK seq=1001 ack=7001 win=6192 len=10");
            endpoint.flushAcks();
            client.assertNothingSent();
        }
    }

    @Nested
    class LossAndReordering {
        @Test
        void lostSegmentIsRetransmittedAfterRtoWithExponentialBackoff() {
            establish();
            endpoint.write(ByteBuffer.wrap(bytes(100, 0)));
            assertThat(client.nextLine()).isEqualTo("PSH|ACK seq=1001 ack=5001 win=8192 len=100");
            // RTT 50 ms: SRTT 50, RTTVAR 25, RTO = 150 ms, raised to the 200 ms floor.
            assertThat(endpoint.retransmissionTimeoutNanos()).isEqualTo(Duration.ofMillis(200).toNanos());
            long[] waits = {200, 400, 800};
            for (long wait : waits) {
                assertThat(endpoint.nextTimerDeadline() - ticker.nanoTime())
                        .isEqualTo(Duration.ofMillis(wait).toNanos());
                ticker.advanceMillis(wait - 1);
                endpoint.onTimer();
                client.assertNothingSent();
                ticker.advanceMillis(1);
                endpoint.onTimer();
                assertThat(client.drain()).containsExactly("PSH|ACK seq=1001 ack=5001 win=8192 len=100");
            }
            endpoint.onSegment(client.segment(ACK, 5001, 1101, 65535));
            assertThat(endpoint.nextTimerDeadline()).isEqualTo(TcpEndpoint.NO_DEADLINE);
        }

        @Test
        void tooManyRetransmissionsResetTheFlow() {
            establish();
            endpoint.write(ByteBuffer.wrap(bytes(100, 0)));
            client.next();
            for (int i = 0; i < 3; i++) {
                ticker.advance(Duration.ofNanos(endpoint.nextTimerDeadline() - ticker.nanoTime()));
                endpoint.onTimer();
                client.next();
            }
            ticker.advance(Duration.ofNanos(endpoint.nextTimerDeadline() - ticker.nanoTime()));
            endpoint.onTimer();
            assertThat(client.drain()).containsExactly("RST|ACK seq=1101 ack=5001 win=8192 len=0");
            assertThat(endpoint.state()).isEqualTo(TcpState.CLOSED);
            assertThat(events).containsExactly("closed TIMED_OUT");
            assertThat(endpoint.read(ByteBuffer.allocate(10))).isEqualTo(-1);
        }

        @Test
        void rtoGoesBackAndResendsFromTheOldestUnackedByte() {
            establish();
            endpoint.write(ByteBuffer.wrap(bytes(2920, 0)));
            assertThat(client.drain()).hasSize(2);
            ticker.advanceMillis(200);
            endpoint.onTimer();
            // The congestion window collapsed to one segment: only the first goes again.
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5001 win=8192 len=1460");
            endpoint.onSegment(client.segment(ACK, 5001, 2461, 65535));
            assertThat(client.drain()).containsExactly("PSH|ACK seq=2461 ack=5001 win=8192 len=1460");
        }

        @Test
        void threeDuplicateAcksTriggerFastRetransmit() {
            establish();
            endpoint.write(ByteBuffer.wrap(bytes(4 * 1460, 0)));
            assertThat(client.drain()).hasSize(4);
            endpoint.onSegment(client.segment(ACK, 5001, 2461, 65535));
            endpoint.onSegment(client.segment(ACK, 5001, 2461, 65535));
            endpoint.onSegment(client.segment(ACK, 5001, 2461, 65535));
            client.assertNothingSent();
            endpoint.onSegment(client.segment(ACK, 5001, 2461, 65535));
            assertThat(client.drain()).containsExactly("ACK seq=2461 ack=5001 win=8192 len=1460");
        }

        @Test
        void partialAckDuringRecoveryRetransmitsTheNextHoleAtOnce() {
            establish();
            endpoint.write(ByteBuffer.wrap(bytes(6 * 1460, 0)));
            assertThat(client.drain()).hasSize(6);
            // Segments 2 (2461) and 4 (5381) are lost; 3, 5 and 6 arrive and each yields a duplicate ACK.
            endpoint.onSegment(client.segment(ACK, 5001, 2461, 65535));
            for (int i = 0; i < 3; i++) {
                endpoint.onSegment(client.segment(ACK, 5001, 2461, 65535));
            }
            assertThat(client.drain()).containsExactly("ACK seq=2461 ack=5001 win=8192 len=1460");
            // The retransmission fills the first hole; the ACK stops at the second: NewReno resends it now.
            endpoint.onSegment(client.segment(ACK, 5001, 5381, 65535));
            assertThat(client.drain()).containsExactly("ACK seq=5381 ack=5001 win=8192 len=1460");
            endpoint.onSegment(client.segment(ACK, 5001, 9761, 65535));
            client.assertNothingSent();
            assertThat(endpoint.nextTimerDeadline()).isEqualTo(TcpEndpoint.NO_DEADLINE);
        }

        @Test
        void outOfOrderDataIsHeldAndAckedCumulativelyOnceTheGapFills() {
            establish();
            endpoint.onSegment(client.segment(ACK, 5101, 1001, 65535, bytes(100, 2)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5001 win=8192 len=0");
            endpoint.onSegment(client.segment(ACK, 5201, 1001, 65535, bytes(100, 3)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5001 win=8192 len=0");
            assertThat(endpoint.readableBytes()).isZero();
            assertThat(events).isEmpty();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(100, 1)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5301 win=7892 len=0");
            byte[] expected = new byte[300];
            System.arraycopy(bytes(100, 1), 0, expected, 0, 100);
            System.arraycopy(bytes(100, 2), 0, expected, 100, 100);
            System.arraycopy(bytes(100, 3), 0, expected, 200, 100);
            assertThat(readAll()).isEqualTo(expected);
        }

        @Test
        void duplicateSegmentIsAckedAgainAndDeliveredOnce() {
            establish();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(100, 1)));
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(100, 1)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5101 win=8092 len=0",
                    "ACK seq=1001 ack=5101 win=8092 len=0");
            assertThat(readAll()).isEqualTo(bytes(100, 1));
        }

        @Test
        void partlyDuplicateSegmentDeliversOnlyTheNewBytes() {
            establish();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(100, 1)));
            byte[] overlap = new byte[150];
            System.arraycopy(bytes(100, 1), 50, overlap, 0, 50);
            System.arraycopy(bytes(100, 2), 0, overlap, 50, 100);
            endpoint.onSegment(client.segment(ACK, 5051, 1001, 65535, overlap));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5101 win=8092 len=0",
                    "ACK seq=1001 ack=5201 win=7992 len=0");
            byte[] expected = new byte[200];
            System.arraycopy(bytes(100, 1), 0, expected, 0, 100);
            System.arraycopy(bytes(100, 2), 0, expected, 100, 100);
            assertThat(readAll()).isEqualTo(expected);
        }
    }

    @Nested
    class Windows {
        @Test
        void zeroWindowArmsPersistProbesThenDataResumesWhenItOpens() {
            establish(testConfig().build(), 0);
            endpoint.write(ByteBuffer.wrap(bytes(100, 0)));
            client.assertNothingSent();
            assertThat(endpoint.nextTimerDeadline() - ticker.nanoTime()).isEqualTo(Duration.ofMillis(200).toNanos());
            ticker.advanceMillis(200);
            endpoint.onTimer();
            assertThat(client.drain()).containsExactly("ACK seq=1000 ack=5001 win=8192 len=0");
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 0));
            client.assertNothingSent();
            assertThat(endpoint.nextTimerDeadline() - ticker.nanoTime()).isEqualTo(Duration.ofMillis(400).toNanos());
            ticker.advanceMillis(400);
            endpoint.onTimer();
            assertThat(client.drain()).containsExactly("ACK seq=1000 ack=5001 win=8192 len=0");
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 4096));
            assertThat(client.drain()).containsExactly("PSH|ACK seq=1001 ack=5001 win=8192 len=100");
        }

        @Test
        void slowReaderShrinksTheWindowToZeroAndReadingReopensItWithAnUpdate() {
            establish();
            List<String> windows = new ArrayList<>();
            int seq = 5001;
            for (int i = 0; i < 5; i++) {
                endpoint.onSegment(client.segment(ACK, seq, 1001, 65535, bytes(1460, i)));
                seq += 1460;
                windows.add(client.nextLine());
            }
            assertThat(windows).containsExactly("ACK seq=1001 ack=6461 win=6732 len=0",
                    "ACK seq=1001 ack=7921 win=5272 len=0", "ACK seq=1001 ack=9381 win=3812 len=0",
                    "ACK seq=1001 ack=10841 win=2352 len=0", "ACK seq=1001 ack=12301 win=892 len=0");
            endpoint.onSegment(client.segment(ACK, seq, 1001, 65535, bytes(892, 9)));
            assertThat(client.nextLine()).isEqualTo("ACK seq=1001 ack=13193 win=0 len=0");
            endpoint.read(ByteBuffer.allocate(1000));
            // 1000 bytes free is less than one MSS: no update yet (receiver silly-window avoidance).
            client.assertNothingSent();
            endpoint.read(ByteBuffer.allocate(3096));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=13193 win=4096 len=0");
        }

        @Test
        void zeroWindowProbeFromTheClientIsAnsweredWithTheCurrentWindow() {
            establish();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(8192, 0)));
            assertThat(client.nextLine()).isEqualTo("ACK seq=1001 ack=13193 win=0 len=0");
            endpoint.onSegment(client.segment(ACK, 13193, 1001, 65535, bytes(1, 0)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=13193 win=0 len=0");
            assertThat(endpoint.readableBytes()).isEqualTo(8192);
        }

        @Test
        void theAckOnADataSegmentCountsEvenWhenOurWindowIsClosed() {
            establish();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(8192, 0)));
            client.next();
            endpoint.write(ByteBuffer.wrap(bytes(100, 0)));
            assertThat(client.nextLine()).isEqualTo("PSH|ACK seq=1001 ack=13193 win=0 len=100");
            endpoint.onSegment(client.segment(ACK, 13193, 1101, 65535, bytes(50, 0)));
            assertThat(client.drain()).containsExactly("ACK seq=1101 ack=13193 win=0 len=0");
            assertThat(endpoint.nextTimerDeadline()).isEqualTo(TcpEndpoint.NO_DEADLINE);
            assertThat(endpoint.writableBytes()).isEqualTo(16384);
        }

        @Test
        void windowScalingIsNegotiatedAndAppliedBothWays() {
            var config = testConfig().windowScaling(true).receiveBufferBytes(256 * 1024).build();
            accept(config, b -> b.mss(1460).windowScale(2));
            var synAck = client.next();
            // 256 KiB needs a shift of 3 to fit 16 bits; the SYN-ACK's own window is never scaled.
            assertThat(synAck.tcp().options().windowScale()).isEqualTo(3);
            assertThat(synAck.tcp().window()).isEqualTo(65535);
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 250));
            assertThat(endpoint.sendWindow()).isEqualTo(1000);
            endpoint.write(ByteBuffer.wrap(bytes(1500, 0)));
            assertThat(client.drain()).containsExactly("ACK seq=1001 ack=5001 win=32768 len=1000");
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 250, bytes(800, 0)));
            assertThat(client.drain()).containsExactly("ACK seq=2001 ack=5801 win=32668 len=0");
        }

        @Test
        void timestampsAreEchoedWhenThePeerOffersThem() {
            var config = testConfig().timestamps(true).build();
            accept(config, b -> b.mss(1460).timestamps(777, 0));
            var synAck = client.next();
            assertThat(synAck.tcp().options().hasTimestamps()).isTrue();
            assertThat(synAck.tcp().options().timestampEcho()).isEqualTo(777);
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535, bytes(10, 0), b -> b.timestamps(800, 1)));
            var ack = client.next();
            assertThat(ack.tcp().options().timestampEcho()).isEqualTo(800);
            assertThat(ack.tcp().options().timestampValue()).isEqualTo(ticker.nanoTime() / 1_000_000L);
            endpoint.write(ByteBuffer.wrap(bytes(3000, 0)));
            // 12 option bytes per segment come out of the MSS.
            assertThat(client.next().tcp().payloadLength()).isEqualTo(1448);
        }
    }

    @Nested
    class Keepalive {
        @Test
        void idleFlowIsProbedAndResetWhenProbesGoUnanswered() {
            establish(testConfig().keepalive(Duration.ofSeconds(10), Duration.ofSeconds(1), 2).build(), 65535);
            assertThat(endpoint.nextTimerDeadline() - ticker.nanoTime()).isEqualTo(Duration.ofSeconds(10).toNanos());
            ticker.advanceMillis(10_000);
            endpoint.onTimer();
            assertThat(client.drain()).containsExactly("ACK seq=1000 ack=5001 win=8192 len=0");
            ticker.advanceMillis(1000);
            endpoint.onTimer();
            assertThat(client.drain()).containsExactly("ACK seq=1000 ack=5001 win=8192 len=0");
            ticker.advanceMillis(1000);
            endpoint.onTimer();
            assertThat(client.drain()).containsExactly("RST|ACK seq=1001 ack=5001 win=8192 len=0");
            assertThat(events).containsExactly("closed TIMED_OUT");
        }

        @Test
        void answeredProbeKeepsTheFlow() {
            establish(testConfig().keepalive(Duration.ofSeconds(10), Duration.ofSeconds(1), 2).build(), 65535);
            ticker.advanceMillis(10_000);
            endpoint.onTimer();
            client.next();
            endpoint.onSegment(client.segment(ACK, 5001, 1001, 65535));
            assertThat(endpoint.nextTimerDeadline() - ticker.nanoTime()).isEqualTo(Duration.ofSeconds(10).toNanos());
            assertThat(endpoint.state()).isEqualTo(TcpState.ESTABLISHED);
        }
    }
}
