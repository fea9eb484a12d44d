package dev.pinhole.wireguard.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.testing.BatchedUdp;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.DeviceConfig;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.WireGuardDevice;
import dev.pinhole.wireguard.WireGuardDropReason;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two WireGuard devices over the batched UDP path on loopback: tunnels, batched sends, and a garbage sender. */
@BatchedUdp
class BatchedUdpDeviceDriverTest {
    private UdpDeviceDriver left;
    private UdpDeviceDriver right;
    private WireGuardDevice a;
    private WireGuardDevice b;
    private final ConcurrentHashMap<Integer, Boolean> seen = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();

    @AfterEach
    void close() throws Exception {
        if (left != null) {
            left.close();
        }
        if (right != null) {
            right.close();
        }
    }

    private static byte[] udp4(String src, String dst, int seq, int size) {
        byte[] p = new byte[size];
        p[0] = 0x45;
        p[2] = (byte) (size >>> 8);
        p[3] = (byte) size;
        p[9] = 17;
        System.arraycopy(IpAddress.parse(src).toBytes(), 0, p, 12, 4);
        System.arraycopy(IpAddress.parse(dst).toBytes(), 0, p, 16, 4);
        ByteBuffer.wrap(p).putInt(28, seq);
        return p;
    }

    private void tunnel() throws Exception {
        a = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()));
        b = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()));
        left = UdpDeviceDriver.start(a, new InetSocketAddress("127.0.0.1", 0), Ticker.system(), (peer, ip) -> { },
                UdpIo.RECVMMSG_SENDMMSG);
        right = UdpDeviceDriver.start(b, new InetSocketAddress("127.0.0.1", 0), Ticker.system(), (peer, ip) -> {
            if (seen.putIfAbsent(ip.getInt(ip.position() + 28), Boolean.TRUE) == null) {
                count.incrementAndGet();
            }
        }, UdpIo.RECVMMSG_SENDMMSG);
        assertThat(left.io()).isEqualTo(UdpIo.RECVMMSG_SENDMMSG);
        assertThat(left.ioFallbackReason()).isEmpty();
        a.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse("100.64.0.2/32")))
                .withEndpoint(right.localAddress()));
        b.upsertPeer(PeerConfig.of(a.publicKey(), List.of(Cidr.parse("100.64.0.1/32"))));
        a.initiateHandshake(b.publicKey(), System.nanoTime(), left.output());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!a.peer(b.publicKey()).orElseThrow().hasSession() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(a.peer(b.publicKey()).orElseThrow().hasSession()).as("handshake over recvmmsg/sendmmsg").isTrue();
    }

    private void awaitCount(int total) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (count.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void packetsSentInBatchesOfManyDatagramsAllArriveDecrypted() throws Exception {
        tunnel();
        UdpDeviceDriver.Sender sender = left.newSender();
        int total = 3000;
        for (int seq = 0; seq < total; seq++) {
            sender.sendIp(ByteBuffer.wrap(udp4("100.64.0.1", "100.64.0.2", seq, 1400)));
            if (seq % 50 == 49) {
                sender.flush();
                // Keep the loopback socket buffers from overflowing on a busy machine.
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (seq + 1 - count.get() > 400 && System.nanoTime() < until) {
                    Thread.sleep(1);
                }
            }
        }
        sender.flush();
        awaitCount(total);

        assertThat(count.get()).isEqualTo(total);
        assertThat(b.drops().total()).isZero();
        assertThat(left.sendDrops()).isZero();
        assertThat(right.datagramsReceived()).isGreaterThanOrEqualTo(total);
    }

    @Test
    void theSinkHearsABurstEndAtLeastEvery64PacketsAlsoWhenOneCallReadsHundreds() throws Exception {
        // With receive offload one recvmmsg may return runs of hundreds of datagrams; the relay behind the sink is
        // woken per burst and its queue is bounded, so a burst must still end every 64 packets.
        int[] sinceEnd = new int[1];
        int[] longest = new int[1];
        AtomicInteger delivered = new AtomicInteger();
        a = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()));
        b = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()));
        left = UdpDeviceDriver.start(a, new InetSocketAddress("127.0.0.1", 0), Ticker.system(), (peer, ip) -> { },
                UdpIo.RECVMMSG_SENDMMSG);
        right = UdpDeviceDriver.start(b, new InetSocketAddress("127.0.0.1", 0), Ticker.system(), new PacketSink() {
            @Override
            public void onPacket(dev.pinhole.wireguard.Peer peer, ByteBuffer ipPacket) {
                longest[0] = Math.max(longest[0], ++sinceEnd[0]);
                delivered.incrementAndGet();
            }

            @Override
            public void endOfBurst() {
                sinceEnd[0] = 0;
            }
        }, UdpIo.RECVMMSG_SENDMMSG);
        a.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse("100.64.0.2/32")))
                .withEndpoint(right.localAddress()));
        b.upsertPeer(PeerConfig.of(a.publicKey(), List.of(Cidr.parse("100.64.0.1/32"))));
        a.initiateHandshake(b.publicKey(), System.nanoTime(), left.output());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!a.peer(b.publicKey()).orElseThrow().hasSession() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        UdpDeviceDriver.Sender sender = left.newSender();
        int total = 1000;
        for (int seq = 0; seq < total; seq++) {
            sender.sendIp(ByteBuffer.wrap(udp4("100.64.0.1", "100.64.0.2", seq, 1400)));
        }
        sender.flush();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (delivered.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }

        assertThat(delivered.get()).isEqualTo(total);
        assertThat(longest[0]).as("packets between two burst ends").isBetween(1, 64);
    }

    @Test
    void aPeerSendingGarbageIsDroppedAndCountedAndTheTunnelKeepsWorking() throws Exception {
        tunnel();
        Random random = new Random(16);
        try (DatagramChannel attacker = DatagramChannel.open()) {
            attacker.bind(new InetSocketAddress("127.0.0.1", 0));
            for (int i = 0; i < 2000; i++) {
                byte[] junk = new byte[random.nextInt(1500)];
                random.nextBytes(junk);
                if (i % 3 == 0 && junk.length >= 32) {
                    junk[0] = 4; // a transport message type with a random index and counter
                    junk[1] = junk[2] = junk[3] = 0;
                }
                attacker.send(ByteBuffer.wrap(junk), right.localAddress());
                if (i % 200 == 199) {
                    Thread.sleep(5);
                }
            }
            attacker.send(ByteBuffer.allocate(9000), right.localAddress());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (right.datagramsReceived() < 1500 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }

        left.sendIp(ByteBuffer.wrap(udp4("100.64.0.1", "100.64.0.2", 7, 200)));
        awaitCount(1);

        assertThat(count.get()).as("the genuine packet after the garbage").isEqualTo(1);
        assertThat(b.drops().get(WireGuardDropReason.MALFORMED) + b.drops().get(WireGuardDropReason.UNKNOWN_RECEIVER))
                .isPositive();
        assertThat(right.datagramsTruncated()).isEqualTo(1);
        assertThat(right.failure()).isEmpty();
    }
}
