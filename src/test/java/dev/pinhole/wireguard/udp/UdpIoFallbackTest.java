package dev.pinhole.wireguard.udp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.DeviceConfig;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.WireGuardDevice;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A batched port whose reads start failing at run time (a kernel or seccomp change, a bug): the driver logs, counts
 * and replaces it with a datagram channel on the same address, and the tunnel carries traffic again, also through a
 * sender made before the switch. Runs on every JDK: the failing port only claims to be the batched one.
 */
class UdpIoFallbackTest {
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

    /** Sends like the channel under it, fails every read like a broken recvmmsg. */
    private static final class FailingReads implements DatagramPort {
        private final ChannelDatagramPort inner;

        FailingReads(ChannelDatagramPort inner) {
            this.inner = inner;
        }

        @Override
        public UdpIo kind() {
            return UdpIo.RECVMMSG_SENDMMSG;
        }

        @Override
        public InetSocketAddress localAddress() throws IOException {
            return inner.localAddress();
        }

        @Override
        public void awaitReadable(long millis) throws IOException {
            throw new IOException("recvmmsg failed, errno 12");
        }

        @Override
        public int receive(Receiver into, int max) throws IOException {
            throw new IOException("recvmmsg failed, errno 12");
        }

        @Override
        public boolean send(ByteBuffer datagram, InetSocketAddress to) throws IOException {
            return inner.send(datagram, to);
        }

        @Override
        public DatagramBatch newBatch(LongAdder drops) {
            return inner.newBatch(drops);
        }

        @Override
        public long truncated() {
            return 0;
        }

        @Override
        public void wakeup() {
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }

    private static byte[] udp4(String src, String dst, int seq) {
        byte[] p = new byte[32];
        p[0] = 0x45;
        p[3] = (byte) p.length;
        p[9] = 17;
        System.arraycopy(IpAddress.parse(src).toBytes(), 0, p, 12, 4);
        System.arraycopy(IpAddress.parse(dst).toBytes(), 0, p, 16, 4);
        ByteBuffer.wrap(p).putInt(28, seq);
        return p;
    }

    @Test
    void aBatchedPortWhoseReadsKeepFailingIsReplacedByAChannelOnTheSameAddress() throws Exception {
        WireGuardDevice a = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()));
        WireGuardDevice b = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()));
        ConcurrentLinkedQueue<Integer> atA = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> atB = new ConcurrentLinkedQueue<>();
        left = UdpDeviceDriver.start(a, new InetSocketAddress("127.0.0.1", 0), Ticker.system(),
                (peer, ip) -> atA.add(ip.getInt(ip.position() + 28)), UdpIo.DATAGRAM_CHANNEL);
        FailingReads failing = new FailingReads(ChannelDatagramPort.open(new InetSocketAddress("127.0.0.1", 0)));
        InetSocketAddress address = failing.localAddress();
        right = UdpDeviceDriver.start(b, Ticker.system(), (peer, ip) -> atB.add(ip.getInt(ip.position() + 28)),
                new DatagramPortOpener.Opened(failing, Optional.empty(), false));
        UdpDeviceDriver.Sender madeBefore = right.newSender();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (right.io() != UdpIo.DATAGRAM_CHANNEL && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }

        assertThat(right.io()).isEqualTo(UdpIo.DATAGRAM_CHANNEL);
        assertThat(right.ioFallbacks()).isEqualTo(1);
        assertThat(right.ioFallbackReason()).hasValueSatisfying(r -> assertThat(r).contains("recvmmsg failed"));
        assertThat(right.localAddress()).isEqualTo(address);
        assertThat(right.failure()).isEmpty();

        a.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse("100.64.0.2/32"))).withEndpoint(address));
        b.upsertPeer(PeerConfig.of(a.publicKey(), List.of(Cidr.parse("100.64.0.1/32"))));
        left.sendIp(ByteBuffer.wrap(udp4("100.64.0.1", "100.64.0.2", 1)));
        while (atB.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        madeBefore.sendIp(ByteBuffer.wrap(udp4("100.64.0.2", "100.64.0.1", 2)));
        madeBefore.flush();
        while (atA.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }

        assertThat(atB).as("through the replacement socket").containsExactly(1);
        assertThat(atA).as("from a sender made before the switch").containsExactly(2);
    }
}
