package dev.pinhole.wireguard;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.testing.MutableClock;
import dev.pinhole.time.FakeTicker;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Two (or more) devices joined by an in-memory datagram network, driven by one fake ticker and clock. */
final class TestNet {
    record Datagram(InetSocketAddress from, InetSocketAddress to, byte[] bytes, long at) {}

    record Delivered(Peer peer, byte[] packet) {}

    /** Records what one node sends and delivers. */
    final class Node implements Output {
        final WireGuardDevice device;
        final InetSocketAddress address;
        final byte[] privateKey;
        final List<Delivered> delivered = new ArrayList<>();
        final List<Datagram> sent = new ArrayList<>();
        /** When set, what this node sends is recorded but lost on the wire. */
        boolean muted;
        /** When set, the source address its datagrams carry on the wire (a load balancer's address, as SNAT does). */
        InetSocketAddress sourceAs;

        Node(WireGuardDevice device, InetSocketAddress address, byte[] privateKey) {
            this.device = device;
            this.address = address;
            this.privateKey = privateKey;
        }

        @Override
        public void deliver(Peer peer, ByteBuffer ipPacket) {
            byte[] copy = new byte[ipPacket.remaining()];
            ipPacket.get(ipPacket.position(), copy);
            delivered.add(new Delivered(peer, copy));
        }

        @Override
        public void send(ByteBuffer datagram, InetSocketAddress to) {
            byte[] copy = new byte[datagram.remaining()];
            datagram.get(datagram.position(), copy);
            Datagram d = new Datagram(sourceAs != null ? sourceAs : address, to, copy, ticker.nanoTime());
            sent.add(d);
            if (!dropAll && !muted) {
                wire.add(d);
            }
        }

        java.util.Map<WireGuardDropReason, Long> drops() {
            return device.drops().snapshot();
        }

        PublicKey publicKey() {
            return device.publicKey();
        }

        void sendIp(byte[] packet) {
            device.onOutboundPacket(ByteBuffer.wrap(packet), ticker.nanoTime(), this);
        }

        void tick() {
            device.onTick(ticker.nanoTime(), this);
        }

        long sentOfType(int type) {
            return sent.stream().filter(d -> d.bytes().length >= 4 && d.bytes()[0] == type).count();
        }

        List<Datagram> sentOf(int type) {
            return sent.stream().filter(d -> d.bytes().length >= 4 && d.bytes()[0] == type).toList();
        }

        /** Keepalives: transport messages with an empty payload. */
        long keepalivesSent() {
            return sent.stream().filter(d -> d.bytes()[0] == 4 && d.bytes().length == 32).count();
        }
    }

    final FakeTicker ticker = new FakeTicker();
    final MutableClock clock = new MutableClock();
    final ArrayDeque<Datagram> wire = new ArrayDeque<>();
    final Map<InetSocketAddress, Node> nodes = new HashMap<>();
    /** A load balancer: datagrams to a key address go to the node it maps to. */
    final Map<InetSocketAddress, Node> steering = new HashMap<>();
    boolean dropAll;

    Node node(String ip, TimerConfig timers) {
        return node(ip, c -> c.withTimers(timers));
    }

    Node node(String ip, java.util.function.UnaryOperator<DeviceConfig> customize) {
        return node(ip, Keys.generatePrivate(), customize);
    }

    /** Another replica of {@code twin}: the same private key, its own state, at {@code ip}. */
    Node replicaOf(Node twin, String ip, java.util.function.UnaryOperator<DeviceConfig> customize) {
        return node(ip, twin.privateKey, customize);
    }

    /** Datagrams to {@code vip} go to {@code backend}, whose datagrams then come from {@code vip}. */
    void steer(InetSocketAddress vip, Node backend) {
        steering.put(vip, backend);
        backend.sourceAs = vip;
    }

    Node node(String ip, byte[] priv, java.util.function.UnaryOperator<DeviceConfig> customize) {
        DeviceConfig cfg = customize.apply(DeviceConfig.of(priv).withClock(clock));
        InetSocketAddress addr = new InetSocketAddress(ip, 51820);
        Node n = new Node(new WireGuardDevice(cfg), addr, priv);
        nodes.put(addr, n);
        return n;
    }

    Node node(String ip) {
        return node(ip, TimerConfig.defaults());
    }

    /** Configures a and b as peers of each other with the given tunnel addresses; a knows b's endpoint. */
    static void pair(Node a, String aTunnelIp, Node b, String bTunnelIp) {
        a.device.upsertPeer(PeerConfig.of(b.publicKey(), List.of(Cidr.parse(bTunnelIp + "/32")))
                .withEndpoint(b.address));
        b.device.upsertPeer(PeerConfig.of(a.publicKey(), List.of(Cidr.parse(aTunnelIp + "/32"))));
    }

    /** Delivers datagrams until the wire is quiet. */
    void pump() {
        int guard = 0;
        while (!wire.isEmpty()) {
            Datagram d = wire.pollFirst();
            Node n = steering.containsKey(d.to()) ? steering.get(d.to()) : nodes.get(d.to());
            if (n != null) {
                n.device.onDatagram(ByteBuffer.wrap(d.bytes()), d.from(), ticker.nanoTime(), n);
            }
            if (++guard > 100_000) {
                throw new IllegalStateException("datagram storm");
            }
        }
    }

    void advance(Duration d) {
        ticker.advance(d);
        clock.advance(d);
    }

    /** Advances in 100 ms steps, ticking every node and pumping the wire. */
    void run(Duration total) {
        long steps = total.toMillis() / 100;
        for (long i = 0; i < steps; i++) {
            advance(Duration.ofMillis(100));
            for (Node n : nodes.values()) {
                n.tick();
            }
            pump();
        }
    }

    /** A minimal IPv4/UDP packet (checksums zero: the device does not look at them). */
    static byte[] udp4(String src, String dst, byte[] payload) {
        byte[] p = new byte[28 + payload.length];
        p[0] = 0x45;
        p[2] = (byte) (p.length >>> 8);
        p[3] = (byte) p.length;
        p[8] = 64;
        p[9] = 17;
        System.arraycopy(IpAddress.parse(src).toBytes(), 0, p, 12, 4);
        System.arraycopy(IpAddress.parse(dst).toBytes(), 0, p, 16, 4);
        p[20] = 0x30;
        p[21] = 0x39;
        p[22] = 0x30;
        p[23] = 0x39;
        p[24] = (byte) ((8 + payload.length) >>> 8);
        p[25] = (byte) (8 + payload.length);
        System.arraycopy(payload, 0, p, 28, payload.length);
        return p;
    }

    static byte[] udp6(String src, String dst, byte[] payload) {
        byte[] p = new byte[48 + payload.length];
        p[0] = 0x60;
        p[4] = (byte) ((8 + payload.length) >>> 8);
        p[5] = (byte) (8 + payload.length);
        p[6] = 17;
        p[7] = 64;
        System.arraycopy(IpAddress.parse(src).toBytes(), 0, p, 8, 16);
        System.arraycopy(IpAddress.parse(dst).toBytes(), 0, p, 24, 16);
        System.arraycopy(payload, 0, p, 48, payload.length);
        return p;
    }
}
