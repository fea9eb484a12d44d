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

    private void replicas(UnaryOperator<TunnelConfig> customizeB) {
        replicas(c -> c, customizeB);
    }

    private void replicas(UnaryOperator<TunnelConfig> customizeA, UnaryOperator<TunnelConfig> customizeB) {
        replicaA = net.node("192.0.2.2", privateKey(2), customizeA);
        replicaB = net.replicaOf(replicaA, "192.0.2.3", customizeB);
        for (TestNet.Node r : List.of(replicaA, replicaB)) {
            r.tunnel.upsertPeer(PeerConfig.of(client.publicKey(), List.of(Cidr.parse(CLIENT_IP + "/32"))));
        }
        client.tunnel.upsertPeer(PeerConfig.of(replicaA.publicKey(), List.of(Cidr.parse(SERVER_IP + "/32")))
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
        replicaB.tunnel.onDatagram(ByteBuffer.wrap(datagram), from, net.ticker.nanoTime(), replicaB);
    }

    @Test
    void theSurvivingReplicaReestablishesTheClientsSession() {
        replicas(c -> c);
        clientTalksToA();
        failOverToB();

        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "lost".getBytes()));
        net.pump();
        assertThat(replicaB.tunnel.recoveries().get(RecoveryOutcome.STARTED)).isEqualTo(1);
        assertThat(replicaB.sentOf(ProtocolConstants.TYPE_INITIATION).get(0).to()).isEqualTo(client.address);
        // B's keepalive after the response is what moves the client to the new session.
        assertThat(client.tunnel.peer(replicaA.publicKey()).orElseThrow().handshakesCompleted()).isEqualTo(2);
        assertThat(replicaB.keepalivesSent()).isEqualTo(1);

        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "via B".getBytes()));
        net.pump();
        assertThat(replicaB.delivered).hasSize(1);
        assertThat(new String(replicaB.delivered.get(0).packet(), 28, 5)).isEqualTo("via B");
        replicaB.sendIp(TestNet.udp4(SERVER_IP, CLIENT_IP, "back".getBytes()));
        net.pump();
        assertThat(client.delivered).extracting(d -> new String(d.packet(), 28, 4)).containsExactly("back");
        assertThat(replicaB.tunnel.peer(client.publicKey()).orElseThrow().endpoint()).isEqualTo(client.address);
    }

    @Test
    void withRecoveryOffTheUnknownIndexIsOnlyDropped() {
        replicas(c -> c.withSessionRecovery(SessionRecoverySettings.off()));
        clientTalksToA();
        failOverToB();
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "lost".getBytes()));
        net.pump();
        assertThat(initiationsFromB()).isZero();
        assertThat(replicaB.tunnel.drops().get(DropReason.UNKNOWN_RECEIVER)).isEqualTo(1);
        assertThat(replicaB.tunnel.recoveries().snapshot()).isEmpty();
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
        assertThat(replicaB.tunnel.recoveries().get(RecoveryOutcome.STARTED)).isEqualTo(1);
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
        assertThat(replicaB.tunnel.recoveries().get(RecoveryOutcome.NOT_A_CLIENT)).isEqualTo(10_000);
    }

    @Test
    void aFloodOfForgedIndicesYieldsAtMostTheGlobalCap() {
        // 1,000 clients: a random index names one of them about once in 1,000 (20-bit tags), so 100,000 forged
        // messages in 100 ms name ~95 clients, more than the burst of 50 plus 5 for the 100 ms; nothing but the
        // global bucket stops them.
        replicas(c -> c);
        for (int i = 0; i < 1000; i++) {
            replicaB.tunnel.upsertPeer(PeerConfig.of(publicKey(1000 + i),
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
        long initiations = initiationsFromB();
        RecoveryCounters outcomes = replicaB.tunnel.recoveries();
        // 100 ms of fake time: the burst (50) plus 100 ms at 50/s.
        assertThat(initiations).isEqualTo(outcomes.get(RecoveryOutcome.STARTED)).isLessThanOrEqualTo(55);
        assertThat(outcomes.get(RecoveryOutcome.GLOBAL_RATE_LIMITED)).isPositive();
        assertThat(outcomes.get(RecoveryOutcome.NOT_A_CLIENT)).isGreaterThan(99_000);
    }

    @Test
    void aReplayedIndexFromSpoofedSourcesStartsOneHandshakePerRekeyTimeout() {
        replicas(c -> c);
        byte[] captured = clientTalksToA();
        // 20 s of a replay from 1,000 spoofed sources (10 per 200 ms).
        for (int i = 0; i < 1000; i++) {
            deliverToB(captured, new InetSocketAddress("198.51.100." + (i % 250 + 1), 2000 + i));
            if (i % 10 == 9) {
                net.advance(Duration.ofMillis(200));
            }
        }
        // One per REKEY_TIMEOUT (5 s, any handshake with the client counts): at 0, 5, 10, 15 s.
        assertThat(initiationsFromB()).isEqualTo(4);
        assertThat(replicaB.tunnel.recoveries().get(RecoveryOutcome.PEER_RATE_LIMITED)).isEqualTo(996);
        Peer seenByB = replicaB.tunnel.peer(client.publicKey()).orElseThrow();
        assertThat(seenByB.endpoint()).isNull();
        assertThat(seenByB.hasSession()).isFalse();
    }

    @Test
    void aReplayedIndexDoesNotMoveAConfiguredEndpoint() {
        replicas(c -> c);
        InetSocketAddress configured = new InetSocketAddress("198.51.100.99", 51820);
        replicaB.tunnel.upsertPeer(PeerConfig.of(client.publicKey(), List.of(Cidr.parse(CLIENT_IP + "/32")))
                .withEndpoint(configured));
        byte[] captured = clientTalksToA();
        InetSocketAddress spoofed = new InetSocketAddress("192.0.2.66", 666);
        deliverToB(captured, spoofed);
        assertThat(replicaB.sentOf(ProtocolConstants.TYPE_INITIATION)).extracting(TestNet.Datagram::to)
                .containsExactly(spoofed);
        assertThat(replicaB.tunnel.peer(client.publicKey()).orElseThrow().endpoint()).isEqualTo(configured);
    }

    @Test
    void replayedIndicesOfManyClientsAreBoundedGlobally() {
        replicas(c -> c);
        clientTalksToA();
        // An observer holding one captured index of each of 200 clients replays them all at once.
        List<byte[]> captured = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            TestNet.Node other = net.node("198.51.101." + (i + 1));
            String tunnelIp = "100.66." + (i / 250) + "." + (i % 250 + 1);
            for (TestNet.Node r : List.of(replicaA, replicaB)) {
                r.tunnel.upsertPeer(PeerConfig.of(other.publicKey(), List.of(Cidr.parse(tunnelIp + "/32"))));
            }
            other.tunnel.upsertPeer(PeerConfig.of(replicaA.publicKey(), List.of(Cidr.parse(SERVER_IP + "/32")))
                    .withEndpoint(VIP));
            other.sendIp(TestNet.udp4(tunnelIp, SERVER_IP, "x".getBytes()));
            net.pump();
            other.sendIp(TestNet.udp4(tunnelIp, SERVER_IP, "y".getBytes()));
            captured.add(net.wire.pollLast().bytes());
            net.advance(Duration.ofMillis(20)); // 50 handshakes/s: below A's cookie threshold
        }
        for (int round = 0; round < 100; round++) {
            for (byte[] c : captured) {
                deliverToB(c, new InetSocketAddress("192.0.2.77", 4000 + round));
            }
        }
        // No time passes: the burst, then nothing; the 50 started are then limited per client.
        assertThat(initiationsFromB()).isEqualTo(50);
        assertThat(replicaB.tunnel.recoveries().get(RecoveryOutcome.GLOBAL_RATE_LIMITED)).isEqualTo(150 * 100);
        assertThat(replicaB.tunnel.recoveries().get(RecoveryOutcome.PEER_RATE_LIMITED)).isEqualTo(50 * 99);
    }

    @Test
    void underLoadNoRecoveryIsStarted() {
        replicas(c -> c.withUnderLoadThreshold(2));
        clientTalksToA();
        failOverToB();
        TestNet.Node stranger = net.node("198.51.100.200");
        stranger.tunnel.upsertPeer(PeerConfig.of(replicaB.publicKey(), List.of(Cidr.parse("10.0.0.0/8")))
                .withEndpoint(replicaB.address));
        stranger.tunnel.initiateHandshake(replicaB.publicKey(), net.ticker.nanoTime(), stranger);
        byte[] strangerInitiation = net.wire.pollLast().bytes();
        for (int i = 0; i < 3; i++) {
            deliverToB(strangerInitiation, new InetSocketAddress("198.51.100." + (i + 1), 3000 + i));
        }
        long before = initiationsFromB();
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "lost".getBytes()));
        net.pump();
        assertThat(initiationsFromB()).isEqualTo(before);
        assertThat(replicaB.tunnel.recoveries().get(RecoveryOutcome.UNDER_LOAD)).isEqualTo(1);
    }

    @Test
    void aClientRemovedFromTheConfigIsNotRecovered() {
        replicas(c -> c);
        clientTalksToA();
        replicaB.tunnel.removePeer(client.publicKey());
        failOverToB();
        client.sendIp(TestNet.udp4(CLIENT_IP, SERVER_IP, "lost".getBytes()));
        net.pump();
        assertThat(initiationsFromB()).isZero();
        assertThat(replicaB.tunnel.recoveries().get(RecoveryOutcome.NOT_A_CLIENT)).isEqualTo(1);
    }

    @Test
    void anotherConnectorsIndicesNameNoClientHere() {
        // Same client list, different private key (another AppConnector): its indices decode to other tags.
        replicaA = net.node("192.0.2.2", privateKey(2), c -> c);
        replicaB = net.node("192.0.2.3", privateKey(3), c -> c);
        for (TestNet.Node r : List.of(replicaA, replicaB)) {
            r.tunnel.upsertPeer(PeerConfig.of(client.publicKey(), List.of(Cidr.parse(CLIENT_IP + "/32"))));
        }
        client.tunnel.upsertPeer(PeerConfig.of(replicaA.publicKey(), List.of(Cidr.parse(SERVER_IP + "/32")))
                .withEndpoint(VIP));
        net.steer(VIP, replicaA);
        byte[] captured = clientTalksToA();
        deliverToB(captured, client.address);
        assertThat(initiationsFromB()).isZero();
        assertThat(replicaB.tunnel.recoveries().get(RecoveryOutcome.NOT_A_CLIENT)).isEqualTo(1);
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
        assertThat(replicaB.tunnel.recoveries().get(RecoveryOutcome.SESSION_LIVE)).isEqualTo(1);
    }

    @Test
    void clientsSharingATagAreNotRecovered() {
        replicas(c -> c);
        RecoverableIndex format = RecoverableIndex.fromPrivateKey(replicaA.privateKey);
        PublicKey[] twins = tagCollision(format);
        for (PublicKey k : twins) {
            replicaB.tunnel.upsertPeer(PeerConfig.of(k, List.of()));
        }
        int index = format.encode(format.tagOf(twins[0]), 5);
        byte[] forged = new byte[32];
        Wire.putIntLe(forged, 0, ProtocolConstants.TYPE_TRANSPORT);
        Wire.putIntLe(forged, 4, index);
        deliverToB(forged, client.address);
        assertThat(initiationsFromB()).isZero();
        assertThat(replicaB.tunnel.recoveries().get(RecoveryOutcome.NOT_A_CLIENT)).isEqualTo(1);
        replicaB.tunnel.removePeer(twins[1]);
        deliverToB(forged, client.address);
        assertThat(initiationsFromB()).isEqualTo(1);
    }

    /** Two public keys with the same 20-bit tag (a birthday search: ~1,300 keys on average). */
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
