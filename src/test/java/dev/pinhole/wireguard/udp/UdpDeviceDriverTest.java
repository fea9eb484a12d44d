package dev.pinhole.wireguard.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.WireGuardDevice;
import dev.pinhole.wireguard.DeviceConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two tunnels on loopback UDP sockets, each with its own driver; packets sent from several threads. */
class UdpDeviceDriverTest {
    private UdpDeviceDriver left;
    private UdpDeviceDriver right;

    @AfterEach
    void close() throws Exception {
        if (left != null) {
            left.close();
        }
        if (right != null) {
            right.close();
        }
    }

    private static byte[] udp4(String src, String dst, int seq) {
        byte[] p = new byte[28 + 4];
        p[0] = 0x45;
        p[3] = (byte) p.length;
        p[9] = 17;
        System.arraycopy(IpAddress.parse(src).toBytes(), 0, p, 12, 4);
        System.arraycopy(IpAddress.parse(dst).toBytes(), 0, p, 16, 4);
        p[28] = (byte) (seq >>> 24);
        p[29] = (byte) (seq >>> 16);
        p[30] = (byte) (seq >>> 8);
        p[31] = (byte) seq;
        return p;
    }

    @Test
    void packetsFromTwoSendingThreadsAllArriveOverRealUdp() throws Exception {
        WireGuardDevice a = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()));
        WireGuardDevice b = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()));
        int total = 2000;
        ConcurrentHashMap<Integer, Boolean> seen = new ConcurrentHashMap<>();
        CountDownLatch all = new CountDownLatch(1);
        AtomicInteger count = new AtomicInteger();
        left = UdpDeviceDriver.start(a, new InetSocketAddress("127.0.0.1", 0), Ticker.system(), (peer, ip) -> { });
        right = UdpDeviceDriver.start(b, new InetSocketAddress("127.0.0.1", 0), Ticker.system(), (peer, ip) -> {
            int seq = ip.getInt(28);
            if (seen.putIfAbsent(seq, Boolean.TRUE) == null && count.incrementAndGet() == total) {
                all.countDown();
            }
        });
        a.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse("100.64.0.2/32")))
                .withEndpoint(right.localAddress()));
        b.upsertPeer(PeerConfig.of(a.publicKey(), List.of(Cidr.parse("100.64.0.1/32"))));
        a.initiateHandshake(b.publicKey(), System.nanoTime(), left.output());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!a.peer(b.publicKey()).orElseThrow().hasSession() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        AtomicInteger sent = new AtomicInteger();
        Thread[] senders = new Thread[2];
        for (int t = 0; t < senders.length; t++) {
            int first = t;
            senders[t] = new Thread(() -> {
                for (int seq = first; seq < total; seq += 2) {
                    // A window of 64 in flight keeps loopback socket buffers from overflowing on a busy machine.
                    long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (sent.get() - count.get() > 64 && System.nanoTime() < waitUntil) {
                        Thread.onSpinWait();
                    }
                    sent.incrementAndGet();
                    left.sendIp(ByteBuffer.wrap(udp4("100.64.0.1", "100.64.0.2", seq)));
                }
            });
            senders[t].start();
        }
        for (Thread t : senders) {
            t.join();
        }
        all.await(10, TimeUnit.SECONDS);
        assertThat(all.getCount()).as("all %d packets delivered, got %d", total, count.get()).isZero();
        assertThat(b.drops().total()).isZero();
    }
}
