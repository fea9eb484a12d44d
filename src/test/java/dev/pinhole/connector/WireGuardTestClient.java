package dev.pinhole.connector;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.PayloadSource;
import dev.pinhole.netstack.packet.TcpFlags;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.netstack.packet.UdpDatagramWriter;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.PublicKey;
import dev.pinhole.wireguard.WireGuardDevice;
import dev.pinhole.wireguard.DeviceConfig;
import dev.pinhole.wireguard.udp.UdpDeviceDriver;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The laptop side of a test: a second {@link WireGuardDevice} on a real UDP socket on 127.0.0.1, with a scripted client
 * TCP (handshake, in-order data, ACK everything, FIN) and UDP. Packets the connector sends are parsed and routed
 * to the connection with the matching local port; everything else lands in {@link #other}.
 */
final class WireGuardTestClient implements AutoCloseable {
    final byte[] privateKey = Keys.generatePrivate();
    final PublicKey publicKey = PublicKey.of(Keys.publicFromPrivate(privateKey));
    final WireGuardDevice tunnel = new WireGuardDevice(DeviceConfig.of(privateKey));
    final byte[] address;
    private UdpDeviceDriver driver;
    private final Map<Integer, TcpConnection> tcp = new ConcurrentHashMap<>();
    private final Map<Integer, BlockingQueue<byte[]>> udp = new ConcurrentHashMap<>();
    /** Packets no connection claimed (ICMP errors, RSTs for unknown ports...), as raw bytes. */
    final BlockingQueue<byte[]> other = new LinkedBlockingQueue<>();

    WireGuardTestClient(String address) throws Exception {
        this.address = InetAddress.getByName(address).getAddress();
    }

    void connectTo(PublicKey connectorKey, InetSocketAddress connector) throws Exception {
        tunnel.upsertPeer(PeerConfig.of(connectorKey, List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0")))
                .withEndpoint(connector));
        driver = UdpDeviceDriver.start(tunnel, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Ticker.system(), (peer, packet) -> route(packet));
    }

    /**
     * What a load balancer's backend change looks like from the laptop: the same connector key at another address.
     * The session is forgotten, so the next packet starts a handshake with the new replica (the client's own
     * recovery; no waiting for its timers here).
     */
    void moveTo(PublicKey connectorKey, InetSocketAddress replica) {
        tunnel.removePeer(connectorKey);
        tunnel.upsertPeer(PeerConfig.of(connectorKey, List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0")))
                .withEndpoint(replica));
    }

    private void route(ByteBuffer packet) {
        byte[] copy = new byte[packet.remaining()];
        packet.get(packet.position(), copy);
        ParseResult r = new PacketParser().parse(ByteBuffer.wrap(copy));
        if (r instanceof ParseResult.TcpSegment s) {
            TcpConnection c = tcp.get(s.tcp().destinationPort());
            if (c != null) {
                c.onSegment(s);
                return;
            }
        } else if (r instanceof ParseResult.UdpDatagram d) {
            BlockingQueue<byte[]> q = udp.get(d.udp().destinationPort());
            if (q != null) {
                byte[] payload = new byte[d.udp().payloadLength()];
                d.udp().buffer().get(d.udp().payloadOffset(), payload);
                q.add(payload);
                return;
            }
        }
        other.add(copy);
    }

    /** Sends a raw IP packet into the tunnel. */
    void sendIp(ByteBuffer packet) {
        driver.sendIp(packet);
    }

    /** Sends one UDP datagram from {@code localPort}; replies to that port are queued for {@link #receiveUdp}. */
    void sendUdp(int localPort, byte[] from, byte[] to, int toPort, byte[] payload) {
        udp.computeIfAbsent(localPort, p -> new LinkedBlockingQueue<>());
        ByteBuffer out = ByteBuffer.allocate(payload.length + 60);
        UdpDatagramWriter.write(out, from, localPort, to, toPort, ByteBuffer.wrap(payload));
        sendIp(out);
    }

    void sendUdp(int localPort, byte[] to, int toPort, byte[] payload) {
        sendUdp(localPort, address, to, toPort, payload);
    }

    byte[] receiveUdp(int localPort, long millis) throws InterruptedException {
        return udp.computeIfAbsent(localPort, p -> new LinkedBlockingQueue<>()).poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Opens a client TCP connection: sends the SYN and returns at once. */
    TcpConnection openTcp(byte[] to, int toPort) {
        int port = 20000 + ThreadLocalRandom.current().nextInt(40000);
        TcpConnection c = new TcpConnection(port, to, toPort);
        tcp.put(port, c);
        c.sendSyn();
        return c;
    }

    @Override
    public void close() throws Exception {
        if (driver != null) {
            driver.close();
        }
    }

    /** What a scripted connection has seen. */
    enum TcpOutcome { PENDING, ESTABLISHED, RESET }

    /** The client half of one TCP connection: no retransmission (loopback), in-order data only. */
    final class TcpConnection {
        final int localPort;
        final byte[] remote;
        final int remotePort;
        private final TcpSegmentBuilder builder = new TcpSegmentBuilder();
        private final int iss = ThreadLocalRandom.current().nextInt();
        private int sndNxt;
        private int rcvNxt;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private volatile TcpOutcome outcome = TcpOutcome.PENDING;
        private volatile boolean finReceived;

        TcpConnection(int localPort, byte[] remote, int remotePort) {
            this.localPort = localPort;
            this.remote = remote;
            this.remotePort = remotePort;
            builder.addresses(address, localPort, remote, remotePort);
        }

        private synchronized void send(int flags, byte[] data) {
            builder.begin(sndNxt, rcvNxt, flags, 65535);
            if ((flags & TcpFlags.SYN) != 0) {
                builder.mss(1380);
            }
            if (data.length > 0) {
                builder.payload(PayloadSource.of(ByteBuffer.wrap(data)), data.length);
            }
            ByteBuffer out = ByteBuffer.allocate(builder.packetLength());
            builder.writeTo(out);
            sendIp(out);
            sndNxt += data.length + ((flags & (TcpFlags.SYN | TcpFlags.FIN)) != 0 ? 1 : 0);
        }

        synchronized void sendSyn() {
            sndNxt = iss;
            send(TcpFlags.SYN, new byte[0]);
        }

        synchronized void onSegment(ParseResult.TcpSegment s) {
            var t = s.tcp();
            if (t.rst()) {
                outcome = TcpOutcome.RESET;
                notifyAll();
                return;
            }
            if (t.syn() && t.ack() && outcome == TcpOutcome.PENDING) {
                rcvNxt = t.sequenceNumber() + 1;
                outcome = TcpOutcome.ESTABLISHED;
                send(TcpFlags.ACK, new byte[0]);
                notifyAll();
                return;
            }
            boolean advance = false;
            if (t.payloadLength() > 0 && t.sequenceNumber() == rcvNxt) {
                byte[] data = new byte[t.payloadLength()];
                t.buffer().get(t.payloadOffset(), data);
                received.writeBytes(data);
                rcvNxt += data.length;
                advance = true;
            }
            if (t.fin() && t.sequenceNumber() + t.payloadLength() == rcvNxt) {
                rcvNxt += 1;
                finReceived = true;
                advance = true;
            }
            if (advance || t.payloadLength() > 0) {
                send(TcpFlags.ACK, new byte[0]);
            }
            notifyAll();
        }

        /** Waits for the SYN-ACK or a RST. */
        synchronized TcpOutcome awaitOutcome(long millis) throws InterruptedException {
            long end = System.currentTimeMillis() + millis;
            while (outcome == TcpOutcome.PENDING && System.currentTimeMillis() < end) {
                wait(Math.max(1, end - System.currentTimeMillis()));
            }
            return outcome;
        }

        TcpOutcome outcome() {
            return outcome;
        }

        /** Sends {@code data} in segments of at most 1,000 bytes. */
        synchronized void write(byte[] data) {
            for (int off = 0; off < data.length; off += 1000) {
                byte[] chunk = java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + 1000));
                send(TcpFlags.ACK | TcpFlags.PSH, chunk);
            }
        }

        synchronized void sendFin() {
            send(TcpFlags.FIN | TcpFlags.ACK, new byte[0]);
        }

        /** Waits until the server's FIN (or a RST, or the timeout) and returns all bytes received. */
        synchronized byte[] readToEnd(long millis) throws InterruptedException {
            long end = System.currentTimeMillis() + millis;
            while (!finReceived && outcome != TcpOutcome.RESET && System.currentTimeMillis() < end) {
                wait(Math.max(1, end - System.currentTimeMillis()));
            }
            return received.toByteArray();
        }

        synchronized boolean finReceived() {
            return finReceived;
        }
    }
}
