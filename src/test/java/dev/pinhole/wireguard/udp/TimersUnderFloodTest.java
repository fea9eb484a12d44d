package dev.pinhole.wireguard.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.testing.Adversarial;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.Output;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.WireGuardDevice;
import dev.pinhole.wireguard.DeviceConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A flood of handshake initiations with a valid MAC1 (one captured initiation, replayed as fast as two threads can
 * send it) keeps the socket from ever running dry: the device's timers must still run about every tick.
 */
@Adversarial
class TimersUnderFloodTest {
    private UdpDeviceDriver driver;

    @AfterEach
    void close() throws Exception {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void timersRunWhileTheSocketNeverRunsDry() throws Exception {
        WireGuardDevice server = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()));
        WireGuardDevice client = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()));
        driver = UdpDeviceDriver.start(server, new InetSocketAddress("127.0.0.1", 0), Ticker.system(),
                (peer, ip) -> { });
        server.upsertPeer(PeerConfig.of(client.publicKey(), List.of(Cidr.parse("100.64.0.2/32"))));
        client.upsertPeer(PeerConfig.of(server.publicKey(), List.of(Cidr.parse("100.64.0.1/32")))
                .withEndpoint(driver.localAddress()));
        AtomicReference<byte[]> initiation = new AtomicReference<>();
        client.initiateHandshake(server.publicKey(), System.nanoTime(), new Output() {
            @Override
            public void deliver(Peer peer, ByteBuffer ipPacket) {
            }

            @Override
            public void send(ByteBuffer datagram, InetSocketAddress to) {
                byte[] copy = new byte[datagram.remaining()];
                datagram.get(copy);
                initiation.set(copy);
            }
        });
        assertThat(initiation.get()).hasSize(148);

        AtomicBoolean flooding = new AtomicBoolean(true);
        Thread[] senders = new Thread[2];
        for (int t = 0; t < senders.length; t++) {
            senders[t] = new Thread(() -> {
                try (DatagramChannel ch = DatagramChannel.open()) {
                    ByteBuffer msg = ByteBuffer.wrap(initiation.get());
                    while (flooding.get()) {
                        ch.send(msg.clear(), driver.localAddress());
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            senders[t].start();
        }
        try {
            Thread.sleep(500); // the kernel queue fills
            long ticksBefore = driver.ticksRun();
            long received = driver.datagramsReceived();
            Thread.sleep(3000);
            long ticks = driver.ticksRun() - ticksBefore;
            assertThat(driver.datagramsReceived() - received).as("the flood arrives").isGreaterThan(50);
            // 3 s of 100 ms ticks is 30; a starved loop runs none.
            assertThat(ticks).as("timer ticks during 3 s of flood").isGreaterThanOrEqualTo(10);
        } finally {
            flooding.set(false);
            for (Thread t : senders) {
                t.join();
            }
        }
    }
}
