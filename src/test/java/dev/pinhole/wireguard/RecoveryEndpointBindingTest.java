package dev.pinhole.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.wireguard.crypto.X25519;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The hijack the review of issue 14 found, and why it no longer works. An off-path attacker holding ONE captured
 * transport message of a client replays it to a replica from an address it controls; a recovery initiation sent
 * there could be relayed to the client, which (like wireguard-go) takes a valid initiation's source as the
 * server's new endpoint and would send its tunnel traffic to the attacker. A session index is bound to the
 * endpoint it was made for, so recovery answers only that endpoint: the client itself.
 */
@Adversarial
class RecoveryEndpointBindingTest {
    private static final InetSocketAddress VIP = new InetSocketAddress("203.0.113.10", 51820);
    private static final InetSocketAddress ATTACKER_X = new InetSocketAddress("192.0.2.66", 666);
    private static final InetSocketAddress ATTACKER_Y = new InetSocketAddress("192.0.2.67", 777);

    private final TestNet net = new TestNet();
    private final TestNet.Node client = net.node("198.51.100.7", privateKey(1), c -> c);

    private static byte[] privateKey(long seed) {
        byte[] k = new byte[32];
        new Random(seed).nextBytes(k);
        X25519.clamp(k);
        return k;
    }

    /** Two replicas, the client on A through the VIP; returns one captured transport message of the client. */
    private byte[] clientOnA(TestNet.Node a, TestNet.Node... others) {
        for (TestNet.Node r : concat(a, others)) {
            r.device.upsertPeer(PeerConfig.of(client.publicKey(), List.of(Cidr.parse("100.64.0.2/32"))));
        }
        client.device.upsertPeer(PeerConfig.of(a.publicKey(), List.of(Cidr.parse("100.64.0.1/32")))
                .withEndpoint(VIP));
        net.steer(VIP, a);
        client.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", "hello".getBytes()));
        net.pump();
        client.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", "again".getBytes()));
        byte[] sniffed = net.wire.peekLast().bytes(); // one packet seen once, e.g. on a shared Wi-Fi
        net.pump();
        assertThat(a.delivered).hasSize(2);
        return sniffed;
    }

    private static List<TestNet.Node> concat(TestNet.Node a, TestNet.Node... others) {
        java.util.ArrayList<TestNet.Node> all = new java.util.ArrayList<>(List.of(others));
        all.add(0, a);
        return all;
    }

    /** The attack: the capture to replica B from X; B's initiation, if any, relayed to the client from Y. */
    private TestNet.Datagram attack(boolean recovery) {
        TestNet.Node a = net.node("192.0.2.2", privateKey(2), c -> c);
        TestNet.Node b = net.replicaOf(a, "192.0.2.3",
                c -> recovery ? c : c.withSessionRecovery(SessionRecoverySettings.off()));
        byte[] sniffed = clientOnA(a, b);
        b.device.onDatagram(ByteBuffer.wrap(sniffed), ATTACKER_X, net.ticker.nanoTime(), b);
        List<TestNet.Datagram> toX = b.sentOf(ProtocolConstants.TYPE_INITIATION);
        if (toX.isEmpty()) {
            return null;
        }
        net.wire.clear();
        client.device.onDatagram(ByteBuffer.wrap(toX.get(0).bytes()), ATTACKER_Y, net.ticker.nanoTime(), client);
        net.wire.clear();
        client.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", "secret app traffic".getBytes()));
        return net.wire.peekLast();
    }

    @Test
    void aCapturedPacketReplayedFromTheAttackersAddressEarnsNoInitiation() {
        assertThat(attack(true)).isNull();
    }

    @Test
    void withoutRecoveryTheSameAttackerGetsNothingEither() {
        assertThat(attack(false)).isNull();
    }

    @Test
    void aReplaySpoofingTheClientsOwnEndpointReachesOnlyTheClientWhichStaysOnTheLoadBalancer() {
        TestNet.Node a = net.node("192.0.2.2", privateKey(2), c -> c);
        TestNet.Node b = net.replicaOf(a, "192.0.2.3", c -> c);
        byte[] sniffed = clientOnA(a, b);
        b.device.onDatagram(ByteBuffer.wrap(sniffed), client.address, net.ticker.nanoTime(), b);
        List<TestNet.Datagram> initiations = b.sentOf(ProtocolConstants.TYPE_INITIATION);
        assertThat(initiations).extracting(TestNet.Datagram::to).containsExactly(client.address);
        // It reaches the client through the load balancer's return path (source: the VIP): nothing moves.
        net.wire.clear();
        client.device.onDatagram(ByteBuffer.wrap(initiations.get(0).bytes()), VIP, net.ticker.nanoTime(), client);
        net.wire.clear();
        client.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", "secret app traffic".getBytes()));
        assertThat(net.wire.peekLast().to()).isEqualTo(VIP);
    }

    /** One replica only: a client idle for 16 s (e.g. between two 25 s persistent keepalives) is not "live". */
    @Test
    void theReplicaHoldingAnIdleSessionSendsNoInitiationToAnotherAddress() {
        TestNet.Node a = net.node("192.0.2.2", privateKey(2), c -> c);
        byte[] sniffed = clientOnA(a);
        // The sniffed index is A's live keypair for now; after two rekeys (REKEY_AFTER_TIME 120 s of use) it has
        // left A's table, while its tag still names the client. 300 s of ordinary use, then 16 s of idleness.
        for (int i = 0; i < 30; i++) {
            net.advance(Duration.ofSeconds(10));
            client.tick();
            a.tick();
            client.sendIp(TestNet.udp4("100.64.0.2", "100.64.0.1", ("use " + i).getBytes()));
            net.pump();
        }
        assertThat(a.device.peer(client.publicKey()).orElseThrow().handshakesCompleted()).isGreaterThanOrEqualTo(3);
        net.advance(Duration.ofSeconds(16));
        a.device.onDatagram(ByteBuffer.wrap(sniffed), ATTACKER_X, net.ticker.nanoTime(), a);
        assertThat(a.sentOf(ProtocolConstants.TYPE_INITIATION).stream().map(TestNet.Datagram::to))
                .as("A must not hand a fresh initiation to an arbitrary address").doesNotContain(ATTACKER_X);
        assertThat(a.device.recoveries().get(RecoveryOutcome.ENDPOINT_MISMATCH)).isEqualTo(1);
    }

    /**
     * The initiation a replay earns carries MAC1 keyed by the client's public key, which names the client to
     * anyone holding candidate keys. Only the client's own endpoint earns one, so only an observer on the client's
     * path (which sees the same of any initiation the server sends the client) can read it.
     */
    @Test
    void noInitiationWhoseMac1NamesTheClientGoesToAnotherAddress() {
        TestNet.Node a = net.node("192.0.2.2", privateKey(2), c -> c);
        TestNet.Node b = net.replicaOf(a, "192.0.2.3", c -> c);
        PublicKey decoy = PublicKey.of(Keys.publicFromPrivate(privateKey(99)));
        for (TestNet.Node r : List.of(a, b)) {
            r.device.upsertPeer(PeerConfig.of(decoy, List.of(Cidr.parse("100.64.0.3/32"))));
        }
        byte[] sniffed = clientOnA(a, b);
        for (int port = 1; port <= 100; port++) {
            b.device.onDatagram(ByteBuffer.wrap(sniffed), new InetSocketAddress("192.0.2.66", port),
                    net.ticker.nanoTime(), b);
            net.advance(Duration.ofSeconds(61));
        }
        assertThat(b.sentOf(ProtocolConstants.TYPE_INITIATION)).isEmpty();
        assertThat(b.device.recoveries().get(RecoveryOutcome.ENDPOINT_MISMATCH)).isEqualTo(100);
        b.device.onDatagram(ByteBuffer.wrap(sniffed), client.address, net.ticker.nanoTime(), b);
        List<TestNet.Datagram> toClient = b.sentOf(ProtocolConstants.TYPE_INITIATION);
        assertThat(toClient).extracting(TestNet.Datagram::to).containsExactly(client.address);
        assertThat(SessionRecoveryTest.mac1MatchesKey(toClient.get(0).bytes(), client.publicKey())).isTrue();
        assertThat(SessionRecoveryTest.mac1MatchesKey(toClient.get(0).bytes(), decoy)).isFalse();
    }

    /**
     * Guessing the endpoint check online: the attacker tries source ports until one matches (1 in 8,192). Each
     * failure costs the client's tag a minute on this replica, so an hour of trying (1,000 ports a second) gets
     * 60 checks: a 0.7% chance of a match per hour and replica, about 5.7 days expected.
     */
    @Test
    void guessingTheCheckFromManySourcesGetsOneTryAMinute() {
        TestNet.Node a = net.node("192.0.2.2", privateKey(2), c -> c);
        TestNet.Node b = net.replicaOf(a, "192.0.2.3", c -> c);
        byte[] sniffed = clientOnA(a, b);
        int port = 1024;
        for (int second = 0; second < 3600; second++) {
            for (int i = 0; i < 1000; i++) {
                b.device.onDatagram(ByteBuffer.wrap(sniffed), new InetSocketAddress("192.0.2.66", port),
                        net.ticker.nanoTime(), b);
                port = port == 65535 ? 1024 : port + 1;
            }
            net.advance(Duration.ofSeconds(1));
        }
        RecoveryCounters outcomes = b.device.recoveries();
        assertThat(outcomes.get(RecoveryOutcome.ENDPOINT_MISMATCH)).isBetween(59L, 60L);
        assertThat(outcomes.get(RecoveryOutcome.PEER_RATE_LIMITED)).isGreaterThan(3_599_000L);
        assertThat(b.sentOf(ProtocolConstants.TYPE_INITIATION)).isEmpty();
    }
}
