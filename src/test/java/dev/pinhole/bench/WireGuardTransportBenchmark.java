package dev.pinhole.bench;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.Output;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.WireGuardDevice;
import dev.pinhole.wireguard.DeviceConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Seal+open of one IP packet through the whole transport path (route lookup, counters, padding, ChaCha20-Poly1305,
 * replay window, source check) against the bare JDK cipher doing the same encrypt+decrypt on the same size.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class WireGuardTransportBenchmark {
    @Param({"64", "1420"})
    int size;

    private WireGuardDevice client;
    private WireGuardDevice server;
    private final InetSocketAddress clientAddr = new InetSocketAddress("192.0.2.1", 51820);
    private final InetSocketAddress serverAddr = new InetSocketAddress("192.0.2.2", 51820);
    private ByteBuffer packet;
    private final ByteBuffer wire = ByteBuffer.allocate(70000);
    private long delivered;
    private long now = 1_000_000_000L;

    private Cipher jdkSeal;
    private Cipher jdkOpen;
    private SecretKeySpec key;
    private byte[] plain;
    private byte[] sealed;
    private byte[] opened;
    private final byte[] nonce = new byte[12];
    private long counter;

    private final Output toWire = new Output() {
        @Override
        public void deliver(Peer peer, ByteBuffer ip) {
            delivered += ip.remaining();
        }

        @Override
        public void send(ByteBuffer datagram, InetSocketAddress to) {
            wire.clear();
            wire.put(datagram);
            wire.flip();
        }
    };

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        byte[] cPriv = Keys.generatePrivate();
        byte[] sPriv = Keys.generatePrivate();
        client = new WireGuardDevice(DeviceConfig.of(cPriv));
        server = new WireGuardDevice(DeviceConfig.of(sPriv));
        client.upsertPeer(PeerConfig.of(server.publicKey(), List.of(Cidr.parse("100.64.0.2/32")))
                .withEndpoint(serverAddr));
        server.upsertPeer(PeerConfig.of(client.publicKey(), List.of(Cidr.parse("100.64.0.1/32"))));
        client.initiateHandshake(server.publicKey(), now, toWire);
        server.onDatagram(wire, clientAddr, now, toWire);
        client.onDatagram(wire, serverAddr, now, toWire);
        server.onDatagram(wire, clientAddr, now, toWire);
        packet = ByteBuffer.wrap(ipv4(size));

        key = new SecretKeySpec(Keys.generatePresharedKey(), "ChaCha20");
        // One Cipher per direction, as two peers have (and as the device keeps per thread).
        jdkSeal = Cipher.getInstance("ChaCha20-Poly1305");
        jdkOpen = Cipher.getInstance("ChaCha20-Poly1305");
        plain = ipv4(size);
        sealed = new byte[size + 16];
        opened = new byte[size];
    }

    private static byte[] ipv4(int len) {
        byte[] p = new byte[len];
        new SecureRandom().nextBytes(p);
        p[0] = 0x45;
        p[2] = (byte) (len >>> 8);
        p[3] = (byte) len;
        System.arraycopy(IpAddress.parse("100.64.0.1").toBytes(), 0, p, 12, 4);
        System.arraycopy(IpAddress.parse("100.64.0.2").toBytes(), 0, p, 16, 4);
        return p;
    }

    @Benchmark
    public long tunnelSealOpen() {
        packet.clear();
        client.onOutboundPacket(packet, now, toWire);
        server.onDatagram(wire, clientAddr, now, toWire);
        return delivered;
    }

    @Benchmark
    public byte[] jdkSealOpen() throws Exception {
        counter++;
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (counter >>> (8 * i));
        }
        jdkSeal.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(nonce));
        jdkSeal.doFinal(plain, 0, plain.length, sealed, 0);
        jdkOpen.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(nonce));
        jdkOpen.doFinal(sealed, 0, sealed.length, opened, 0);
        return opened;
    }
}
