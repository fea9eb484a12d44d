package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The timer rules of the WireGuard paper section 6, driven by a fake ticker. */
class TimersTest {
    private static final long SECOND = 1_000_000_000L;
    private final TestNet net = new TestNet();
    private TestNet.Node a;
    private TestNet.Node b;

    private void start(TimerConfig timers) {
        a = net.node("192.0.2.1", timers);
        b = net.node("192.0.2.2", timers);
        TestNet.pair(a, "100.64.0.1", b, "100.64.0.2");
    }

    private void start() {
        start(TimerConfig.defaults());
    }

    private void aSends(String text) {
        a.sendIp(TestNet.udp4("100.64.0.1", "100.64.0.2", text.getBytes()));
    }

    private void establish() {
        aSends("hello");
        net.pump();
        assertThat(b.delivered).hasSize(1);
    }

    @Test
    void initiationIsRetransmittedEveryRekeyTimeoutPlusJitter() {
        start();
        b.muted = true;
        aSends("lost");
        net.pump();
        net.run(Duration.ofSeconds(30));
        List<TestNet.Datagram> inits = a.sentOf(1);
        assertThat(inits.size()).isGreaterThanOrEqualTo(5);
        for (int i = 1; i < inits.size(); i++) {
            long gap = inits.get(i).at() - inits.get(i - 1).at();
            assertThat(gap).isBetween(5 * SECOND, 5 * SECOND + 434_000_000L);
        }
    }

    @Test
    void retransmissionGivesUpAfterRekeyAttemptTime() {
        start();
        b.muted = true;
        aSends("lost");
        net.pump();
        net.run(Duration.ofSeconds(200));
        // The first initiation, then retries until the attempt count exceeds REKEY_ATTEMPT_TIME / REKEY_TIMEOUT.
        assertThat(a.sentOfType(1)).isEqualTo(1 + 18 + 1);
        long last = a.sentOf(1).get(a.sentOf(1).size() - 1).at();
        assertThat(last - a.sentOf(1).get(0).at()).isLessThan(110 * SECOND);
    }

    @Test
    void packetsStagedDuringAHandshakeGoOutWhenItCompletes() {
        start();
        aSends("one");
        aSends("two");
        net.pump();
        assertThat(b.delivered).hasSize(2);
        assertThat(a.sentOfType(1)).isEqualTo(1);
    }

    @Test
    void receiverSendsAKeepaliveAfterKeepaliveTimeoutIfItHasNothingToSay() {
        start();
        establish();
        long before = b.keepalivesSent();
        net.run(Duration.ofMillis(9900));
        assertThat(b.keepalivesSent()).isEqualTo(before);
        net.run(Duration.ofMillis(200));
        assertThat(b.keepalivesSent()).isEqualTo(before + 1);
        net.run(Duration.ofSeconds(30));
        assertThat(b.keepalivesSent()).isEqualTo(before + 1);
    }

    @Test
    void replyingWithDataSuppressesTheKeepalive() {
        start();
        establish();
        long before = b.keepalivesSent();
        net.run(Duration.ofSeconds(5));
        b.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", "reply".getBytes()));
        net.pump();
        net.run(Duration.ofSeconds(6));
        assertThat(b.keepalivesSent()).isEqualTo(before);
    }

    @Test
    void sentDataWithoutAnyReplyTriggersANewHandshake() {
        start();
        establish();
        net.run(Duration.ofSeconds(20));
        long initiations = a.sentOfType(1);
        b.muted = true;
        aSends("anyone?");
        net.pump();
        net.run(Duration.ofSeconds(14));
        assertThat(a.sentOfType(1)).isEqualTo(initiations);
        net.run(Duration.ofMillis(1500));
        assertThat(a.sentOfType(1)).isEqualTo(initiations + 1);
    }

    @Test
    void initiatorRekeysWhenSendingAfterRekeyAfterTime() {
        start();
        establish();
        net.advance(Duration.ofSeconds(119));
        aSends("still fresh");
        net.pump();
        assertThat(a.sentOfType(1)).isEqualTo(1);
        net.advance(Duration.ofSeconds(2));
        aSends("stale");
        net.pump();
        assertThat(a.sentOfType(1)).isEqualTo(2);
        assertThat(a.device.peer(b.publicKey()).orElseThrow().handshakesCompleted()).isEqualTo(2);
        aSends("on new keys");
        net.pump();
        assertThat(b.delivered).hasSize(4);
    }

    @Test
    void responderDoesNotRekeyOnTime() {
        start();
        establish();
        net.advance(Duration.ofSeconds(130));
        b.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", "late".getBytes()));
        net.pump();
        assertThat(b.sentOfType(1)).isZero();
        assertThat(a.delivered).hasSize(1);
    }

    @Test
    void shortenedRekeyAfterTimeIsHonoured() {
        start(TimerConfig.defaults().withRekeyAfterTime(Duration.ofSeconds(2)));
        establish();
        // Past the shortened REKEY_AFTER_TIME and past REKEY_TIMEOUT, which spaces any two initiations.
        net.advance(Duration.ofSeconds(6));
        aSends("rekey");
        net.pump();
        assertThat(a.device.peer(b.publicKey()).orElseThrow().handshakesCompleted()).isEqualTo(2);
    }

    @Test
    void initiatorRekeysAfterRekeyAfterMessages() {
        start(TimerConfig.defaults().withRekeyAfterMessages(5));
        establish();
        net.advance(Duration.ofSeconds(6));
        for (int i = 0; i < 5; i++) {
            aSends("m" + i);
        }
        net.pump();
        assertThat(a.sentOfType(1)).isEqualTo(2);
    }

    @Test
    void keypairIsNotUsedPastRejectAfterTime() {
        start();
        establish();
        aSends("in time");
        byte[] old = net.wire.pollFirst().bytes();
        net.advance(Duration.ofSeconds(181));
        b.device.onDatagram(ByteBuffer.wrap(old), a.address, net.ticker.nanoTime(), b);
        assertThat(b.device.drops().get(WireGuardDropReason.EXPIRED_KEYPAIR)).isEqualTo(1);
        aSends("after expiry");
        assertThat(net.wire.peekFirst().bytes()[0]).isEqualTo((byte) 1);
        net.pump();
        assertThat(b.delivered.get(b.delivered.size() - 1).packet())
                .isEqualTo(TestNet.udp4("100.64.0.1", "100.64.0.2", "after expiry".getBytes()));
    }

    @Test
    void lastMinuteHandshakeIsStartedByAReceivingInitiator() {
        start();
        establish();
        net.advance(Duration.ofSeconds(166));
        b.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", "late".getBytes()));
        net.pump();
        assertThat(a.sentOfType(1)).isEqualTo(2);
    }

    @Test
    void keysAreZeroedAfterThreeTimesRejectAfterTimeOfSilence() {
        start();
        establish();
        Peer peerOfA = a.device.peer(b.publicKey()).orElseThrow();
        Keypair kp;
        synchronized (peerOfA) {
            kp = peerOfA.currentKeypair();
        }
        net.run(Duration.ofSeconds(539));
        assertThat(kp.destroyed()).isFalse();
        net.run(Duration.ofSeconds(2));
        assertThat(kp.destroyed()).isTrue();
        assertThat(peerOfA.hasSession()).isFalse();
        assertThat(a.device.indexCount()).isZero();
        assertThat(b.device.indexCount()).isZero();
    }

    @Test
    void persistentKeepaliveKeepsSendingWhileIdle() {
        start();
        a.device.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse("100.64.0.2/32")))
                .withEndpoint(b.address).withPersistentKeepalive(Duration.ofSeconds(25)));
        establish();
        long before = a.keepalivesSent();
        // b's own keepalive at 10 s is authenticated traffic too, so a's interval restarts from it: 35, 60, 85, 110.
        net.run(Duration.ofSeconds(109));
        assertThat(a.keepalivesSent() - before).isEqualTo(3);
        net.run(Duration.ofSeconds(2));
        assertThat(a.keepalivesSent() - before).isEqualTo(4);
    }

    @Test
    void previousKeypairStillDecryptsAfterARekey() {
        start();
        establish();
        aSends("old keys");
        byte[] delayed = net.wire.pollFirst().bytes();
        net.advance(Duration.ofSeconds(121));
        aSends("rekey");
        net.pump();
        assertThat(a.device.peer(b.publicKey()).orElseThrow().handshakesCompleted()).isEqualTo(2);
        b.device.onDatagram(ByteBuffer.wrap(delayed), a.address, net.ticker.nanoTime(), b);
        assertThat(b.device.drops().total()).isZero();
    }
}
