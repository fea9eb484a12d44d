package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.wireguard.crypto.X25519;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of one connector (same private key) behind one load-balancer address, and a client: when the load
 * balancer moves the client to the replica that never saw its session, that replica starts the handshake itself.
 * Also the attacks on it: forged indices, replayed indices from spoofed sources, floods, load, a removed client.
 */
@Adversarial
class SessionRecoveryTest {
    private static final InetSocketAddress VIP = new InetSocketAddress("203.0.113.10", 51820);
    private static final String CLIENT_IP = "100.64.0.2";
    private static final String SERVER_IP = "100.64.0.1";

    private final TestNet net = new TestNet();
    /** Fixed keys: which tags random indices hit depends on them, so every run draws the same. */
    private final TestNet.Node client = net.node("198.51.100.7", privateKey(1), c -> c);
    private TestNet.Node replicaA;
    private TestNet.Node replicaB;

    private static byte[] privateKey(long seed) {
        byte[] k = new byte[32];
        new Random(seed).nextBytes(k);
        X25519.clamp(k);
        return k;
    }

    private static PublicKey publicKey(long seed) {
        return PublicKey.of(Keys.publicFromPrivate(privateKey(seed)));
    }

    private void replicas(UnaryOperator<DeviceConfig> customizeB) {
        replicas(c -> c, customizeB);
    }

    private void replicas(UnaryOperator<DeviceConfig> customizeA, UnaryOperator<DeviceConfig> customizeB) {
        replicaA = net.node("192.0.2.2", privateKey(2), customizeA);
        replicaB = net.replicaOf(replicaA, "192.0.2.3", customizeB);
        for (TestNet.Node r : List.of(replicaA, replicaB)) {
            r.device.upsertPeer(PeerConfig.of(client.publicKey(), List.of(Cidr.parse(CLIENT_IP + "/32"))));
        }
        client.device.upsertPeer(PeerConfig.of(replicaA.publicKey(), List.of(Cidr.parse(SERVER_IP + "/32")))
                .withEndpoint(VIP));
        net.steer(VIP, replicaA);
    }

    /** The client talks to replica A; returns one of its transport messages (what an observer captures). */
    private byte[] clientTalksToA() {
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "to A".getBytes()));
        net.pump();
        assertThat(replicaA.delivered).hasSize(1);
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "again".getBytes()));
        TestNet.Datagram captured = net.wire.peekLast();
        net.pump();
        return captured.bytes();
    }

    /** Replica A dies; the load balancer sends the client to B. */
    private void failOverToB() {
        net.nodes.remove(replicaA.address);
        net.steer(VIP, replicaB);
    }

    private long initiationsFromB() {
        return replicaB.sentOfType(ProtocolConstants.TYPE_INITIATION);
    }

    private void deliverToB(byte[] datagram, InetSocketAddress from) {
        replicaB.device.onDatagram(ByteBuffer.wrap(datagram), from, net.ticker.nanoTime(), replicaB);
    }

    @Test
    void theSurvivingReplicaReestablishesTheClientsSession() {
        replicas(c -> c);
        clientTalksToA();
        failOverToB();

        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "lost".getBytes()));
        net.pump();
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.STARTED)).isEqualTo(1);
        assertThat(replicaB.sentOf(ProtocolConstants.TYPE_INITIATION).get(0).to()).isEqualTo(client.address);
        // B's keepalive after the response is what moves the client to the new session.
        assertThat(client.device.peer(replicaA.publicKey()).orElseThrow().handshakesCompleted()).isEqualTo(2);
        assertThat(replicaB.keepalivesSent()).isEqualTo(1);

        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "via B".getBytes()));
        net.pump();
        assertThat(replicaB.delivered).hasSize(1);
        assertThat(new String(replicaB.delivered.get(0).packet(), 28, 5)).isEqualTo("via B");
        replicaB.sendIp(TestNet.udp4(SERVER_IP, CLIENT_IP, "back".getBytes()));
        net.pump();
        assertThat(client.delivered).extracting(d -> new String(d.packet(), 28, 4)).containsExactly("back");
        assertThat(replicaB.device.peer(client.publicKey()).orElseThrow().endpoint()).isEqualTo(client.address);
    }

    @Test
    void withRecoveryOffTheUnknownIndexIsOnlyDropped() {
        replicas(c -> c.withSessionRecovery(SessionRecoverySettings.off()));
        clientTalksToA();
        failOverToB();
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "lost".getBytes()));
        net.pump();
        assertThat(initiationsFromB()).isZero();
        assertThat(replicaB.device.drops().get(WireGuardDropReason.UNKNOWN_RECEIVER)).isEqualTo(1);
        assertThat(replicaB.device.recoveries().snapshot()).isEmpty();
    }

    @Test
    void aSessionOfAReplicaWithRecoveryOffIsRecoveredByOneWithRecoveryOn() {
        // A rollout that turns recovery on (or a replica started with --session-recovery=off for a measurement):
        // the setting decides what a replica does with unknown indices, not whether its own can be recovered.
        replicas(c -> c.withSessionRecovery(SessionRecoverySettings.off()), c -> c);
        clientTalksToA();
        failOverToB();
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "lost".getBytes()));
        net.pump();
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "via B".getBytes()));
        net.pump();
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.STARTED)).isEqualTo(1);
        assertThat(replicaB.delivered).hasSize(1);
    }

    @Test
    void randomIndicesStartNoHandshake() {
        replicas(c -> c);
        clientTalksToA();
        Random random = new Random(7);
        byte[] forged = new byte[32];
        for (int i = 0; i < 10_000; i++) {
            random.nextBytes(forged);
            Wire.putIntLe(forged, 0, ProtocolConstants.TYPE_TRANSPORT);
            deliverToB(forged, new InetSocketAddress("198.51.100." + (i % 200 + 1), 1024 + i));
        }
        assertThat(initiationsFromB()).isZero();
        // One client: its tag (1 in 1,024 random values) is checked once, then backs off; no time passes.
        RecoveryCounters outcomes = replicaB.device.recoveries();
        assertThat(outcomes.get(RecoveryOutcome.ENDPOINT_MISMATCH)).isEqualTo(1);
        assertThat(outcomes.get(RecoveryOutcome.NOT_A_CLIENT) + outcomes.get(RecoveryOutcome.PEER_RATE_LIMITED) + 1)
                .isEqualTo(10_000);
    }

    @Test
    void aFloodOfForgedIndicesGetsOnlyTheFailedCheckBudgetChecked() {
        // 1,000 clients among 1,024 tags: most random indices name a tag, so the endpoint check is what rejects
        // them, and each failed check costs: at most the budget's burst (10) plus 1/s is ever checked.
        replicas(c -> c);
        for (int i = 0; i < 1000; i++) {
            replicaB.device.upsertPeer(PeerConfig.of(publicKey(1000 + i),
                    List.of(Cidr.parse("100.65." + (i / 250) + "." + (i % 250 + 1) + "/32"))));
        }
        Random random = new Random(11);
        byte[] forged = new byte[32];
        for (int i = 0; i < 100_000; i++) {
            random.nextBytes(forged);
            Wire.putIntLe(forged, 0, ProtocolConstants.TYPE_TRANSPORT);
            deliverToB(forged, new InetSocketAddress("198.51.100." + (i % 200 + 1), 1024 + i % 60000));
            if (i % 10_000 == 9_999) {
                net.advance(Duration.ofMillis(10));
            }
        }
        RecoveryCounters outcomes = replicaB.device.recoveries();
        assertThat(initiationsFromB()).isZero();
        assertThat(outcomes.get(RecoveryOutcome.ENDPOINT_MISMATCH)).isEqualTo(SessionRecovery.MISMATCH_BURST);
        assertThat(outcomes.get(RecoveryOutcome.GLOBAL_RATE_LIMITED)).isGreaterThan(50_000);
    }

    @Test
    void failedChecksOfAllClientsTogetherAreBounded() {
        // An attacker that would take over any client it hits cycles through all tags (indices with a wrong check,
        // as a random source gives): 1,000 clients, 1,000 tries a second for 100 s of fake time.
        replicas(c -> c);
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(replicaA.privateKey);
        List<Integer> wrong = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            PublicKey k = publicKey(1000 + i);
            replicaB.device.upsertPeer(PeerConfig.of(k, List.of(Cidr.parse("100.65." + (i / 250) + "."
                    + (i % 250 + 1) + "/32"))));
            InetSocketAddress attacker = new InetSocketAddress("192.0.2.66", 1024 + i);
            wrong.add(format.encode(format.tagOf(k), format.checkOf(k, attacker) ^ 1, i));
        }
        byte[] forged = new byte[32];
        Wire.putIntLe(forged, 0, ProtocolConstants.TYPE_TRANSPORT);
        for (int ms = 0; ms < 100_000; ms += 100) {
            for (int i = 0; i < 1000; i += 10) {
                Wire.putIntLe(forged, 4, wrong.get((i + ms / 100) % 1000));
                deliverToB(forged, new InetSocketAddress("192.0.2.66", 1024 + (i + ms / 100) % 1000));
            }
            net.advance(Duration.ofMillis(100));
        }
        // The burst (10) plus one per second for 100 s, however many tags there are.
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.ENDPOINT_MISMATCH)).isBetween(100L, 111L);
        assertThat(initiationsFromB()).isZero();
    }

    @Test
    void aReplayedIndexFromOtherSourcesIsCheckedOncePerMinuteAndAnsweredNever() {
        replicas(c -> c);
        byte[] captured = clientTalksToA();
        // 20 s of a replay from 1,000 sources that are not the client's (10 per 200 ms).
        for (int i = 0; i < 1000; i++) {
            deliverToB(captured, new InetSocketAddress("198.51.100." + (i % 250 + 1), 2000 + i));
            if (i % 10 == 9) {
                net.advance(Duration.ofMillis(200));
            }
        }
        assertThat(initiationsFromB()).isZero();
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.ENDPOINT_MISMATCH)).isEqualTo(1);
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.PEER_RATE_LIMITED)).isEqualTo(999);
        Peer seenByB = replicaB.device.peer(client.publicKey()).orElseThrow();
        assertThat(seenByB.endpoint()).isNull();
        assertThat(seenByB.hasSession()).isFalse();
    }

    @Test
    void aReplayFromTheClientsOwnEndpointStartsOneHandshakePerRekeyTimeoutToTheClient() {
        replicas(c -> c);
        byte[] captured = clientTalksToA();
        // A spoofer that uses the client's own address and port (the only source the check accepts), 20 s.
        for (int i = 0; i < 1000; i++) {
            deliverToB(captured, client.address);
            if (i % 10 == 9) {
                net.advance(Duration.ofMillis(200));
            }
        }
        // One per REKEY_TIMEOUT (5 s, any handshake with the client counts): at 0, 5, 10, 15 s, all to the client.
        assertThat(replicaB.sentOf(ProtocolConstants.TYPE_INITIATION)).extracting(TestNet.Datagram::to)
                .hasSize(4).containsOnly(client.address);
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.PEER_RATE_LIMITED)).isEqualTo(996);
        assertThat(replicaB.device.peer(client.publicKey()).orElseThrow().endpoint()).isNull();
    }

    @Test
    void aReplayedIndexDoesNotMoveAConfiguredEndpoint() {
        replicas(c -> c);
        InetSocketAddress configured = new InetSocketAddress("198.51.100.99", 51820);
        replicaB.device.upsertPeer(PeerConfig.of(client.publicKey(), List.of(Cidr.parse(CLIENT_IP + "/32")))
                .withEndpoint(configured));
        byte[] captured = clientTalksToA();
        deliverToB(captured, client.address);
        assertThat(replicaB.sentOf(ProtocolConstants.TYPE_INITIATION)).extracting(TestNet.Datagram::to)
                .containsExactly(client.address);
        assertThat(replicaB.device.peer(client.publicKey()).orElseThrow().endpoint()).isEqualTo(configured);
    }

    @Test
    void afterAFailedCheckTheClientsTagWaitsAMinute() {
        replicas(c -> c);
        byte[] captured = clientTalksToA();
        failOverToB();
        deliverToB(captured, new InetSocketAddress("192.0.2.66", 666));
        // The genuine client within the minute: refused (its own timers recover it, as without recovery).
        net.advance(Duration.ofSeconds(59));
        deliverToB(captured, client.address);
        assertThat(initiationsFromB()).isZero();
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.PEER_RATE_LIMITED)).isEqualTo(1);
        net.advance(Duration.ofSeconds(1));
        deliverToB(captured, client.address);
        assertThat(replicaB.sentOf(ProtocolConstants.TYPE_INITIATION)).extracting(TestNet.Datagram::to)
                .containsExactly(client.address);
    }

    @Test
    void replayedIndicesOfManyClientsAreBoundedGlobally() {
        replicas(c -> c);
        clientTalksToA();
        // An observer holding one captured index of each of 200 clients replays them all at once.
        List<byte[]> captured = new ArrayList<>();
        List<InetSocketAddress> sources = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            // Seeded like every key here: 200 clients share 10-bit tags, and whether one's check also matches a
            // tag-sharer's at its endpoint (1 in 8,192 a pair) must not vary from run to run.
            TestNet.Node other = net.node("198.51.101." + (i + 1), privateKey(1000 + i), c -> c);
            String tunnelIp = "100.66." + (i / 250) + "." + (i % 250 + 1);
            for (TestNet.Node r : List.of(replicaA, replicaB)) {
                r.device.upsertPeer(PeerConfig.of(other.publicKey(), List.of(Cidr.parse(tunnelIp + "/32"))));
            }
            other.device.upsertPeer(PeerConfig.of(replicaA.publicKey(), List.of(Cidr.parse(SERVER_IP + "/32")))
                    .withEndpoint(VIP));
            other.sendIp(TestNet.udp4(tunnelIp, SERVER_IP, "x".getBytes()));
            net.pump();
            other.sendIp(TestNet.udp4(tunnelIp, SERVER_IP, "y".getBytes()));
            captured.add(net.wire.pollLast().bytes());
            sources.add(other.address);
            net.advance(Duration.ofMillis(20)); // 50 handshakes/s: below A's cookie threshold
        }
        for (int round = 0; round < 100; round++) {
            for (int i = 0; i < captured.size(); i++) {
                deliverToB(captured.get(i), sources.get(i)); // each from its client's own endpoint
            }
        }
        // No time passes: the burst, then nothing; the 50 started are then limited per client.
        assertThat(initiationsFromB()).isEqualTo(50);
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.GLOBAL_RATE_LIMITED)).isEqualTo(150 * 100);
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.PEER_RATE_LIMITED)).isEqualTo(50 * 99);
    }

    @Test
    void underLoadNoRecoveryIsStarted() {
        replicas(c -> c.withUnderLoadThreshold(2));
        clientTalksToA();
        failOverToB();
        TestNet.Node stranger = net.node("198.51.100.200", privateKey(999), c -> c);
        stranger.device.upsertPeer(PeerConfig.of(replicaB.publicKey(), List.of(Cidr.parse("10.0.0.0/8")))
                .withEndpoint(replicaB.address));
        stranger.device.initiateHandshake(replicaB.publicKey(), net.ticker.nanoTime(), stranger);
        byte[] strangerInitiation = net.wire.pollLast().bytes();
        for (int i = 0; i < 3; i++) {
            deliverToB(strangerInitiation, new InetSocketAddress("198.51.100." + (i + 1), 3000 + i));
        }
        long before = initiationsFromB();
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "lost".getBytes()));
        net.pump();
        assertThat(initiationsFromB()).isEqualTo(before);
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.UNDER_LOAD)).isEqualTo(1);
    }

    @Test
    void aClientRemovedFromTheConfigIsNotRecovered() {
        replicas(c -> c);
        clientTalksToA();
        replicaB.device.removePeer(client.publicKey());
        failOverToB();
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "lost".getBytes()));
        net.pump();
        assertThat(initiationsFromB()).isZero();
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.NOT_A_CLIENT)).isEqualTo(1);
    }

    @Test
    void anotherConnectorsIndicesNameNoClientHere() {
        // Same client list, different private key (another AppConnector): its indices decode to other tags.
        replicaA = net.node("192.0.2.2", privateKey(2), c -> c);
        replicaB = net.node("192.0.2.3", privateKey(3), c -> c);
        for (TestNet.Node r : List.of(replicaA, replicaB)) {
            r.device.upsertPeer(PeerConfig.of(client.publicKey(), List.of(Cidr.parse(CLIENT_IP + "/32"))));
        }
        client.device.upsertPeer(PeerConfig.of(replicaA.publicKey(), List.of(Cidr.parse(SERVER_IP + "/32")))
                .withEndpoint(VIP));
        net.steer(VIP, replicaA);
        byte[] captured = clientTalksToA();
        deliverToB(captured, client.address);
        assertThat(initiationsFromB()).isZero();
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.NOT_A_CLIENT)).isEqualTo(1);
    }

    @Test
    void aStaleIndexWhileTheSessionHereIsLiveStartsNothing() {
        replicas(c -> c);
        byte[] toA = clientTalksToA();
        failOverToB();
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "lost".getBytes()));
        net.pump();
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "via B".getBytes()));
        net.pump();
        long before = initiationsFromB();
        net.advance(Duration.ofSeconds(6));
        deliverToB(toA, client.address);
        assertThat(initiationsFromB()).isEqualTo(before);
        assertThat(replicaB.device.recoveries().get(RecoveryOutcome.SESSION_LIVE)).isEqualTo(1);
    }

    @Test
    void clientsSharingATagAreToldApartByTheEndpointCheck() {
        replicas(c -> c);
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(replicaA.privateKey);
        PublicKey[] twins = tagCollision(format);
        for (PublicKey k : twins) {
            replicaB.device.upsertPeer(PeerConfig.of(k, List.of()));
        }
        int index = format.encode(format.tagOf(twins[0]), format.checkOf(twins[0], client.address), 5);
        byte[] forged = new byte[32];
        Wire.putIntLe(forged, 0, ProtocolConstants.TYPE_TRANSPORT);
        Wire.putIntLe(forged, 4, index);
        deliverToB(forged, client.address);
        assertThat(initiationsFromB()).isEqualTo(1);
        byte[] initiation = replicaB.sentOf(ProtocolConstants.TYPE_INITIATION).get(0).bytes();
        assertThat(mac1MatchesKey(initiation, twins[0])).isTrue();
        assertThat(mac1MatchesKey(initiation, twins[1])).isFalse();
    }

    /** Whether an initiation's MAC1 is keyed by {@code key}: it was made for that peer. */
    static boolean mac1MatchesKey(byte[] initiation, PublicKey key) {
        byte[] copy = initiation.clone();
        java.util.Arrays.fill(copy, 116, 148, (byte) 0);
        new CookieJar(key.raw(), 120_000_000_000L).addMacs(copy, 0);
        return java.util.Arrays.equals(copy, 116, 132, initiation, 116, 132);
    }

    /** Two public keys with the same 10-bit tag (a birthday search: ~40 keys on average). */
    private static PublicKey[] tagCollision(RecoverableIndex format) {
        java.util.Map<Integer, PublicKey> seen = new java.util.HashMap<>();
        Random random = new Random(3);
        while (true) {
            byte[] raw = new byte[32];
            random.nextBytes(raw);
            raw[31] &= 0x7f;
            PublicKey k = PublicKey.of(raw);
            if (Keys.isLowOrder(raw)) {
                continue;
            }
            PublicKey earlier = seen.putIfAbsent(format.tagOf(k), k);
            if (earlier != null) {
                return new PublicKey[] {earlier, k};
            }
        }
    }
}
