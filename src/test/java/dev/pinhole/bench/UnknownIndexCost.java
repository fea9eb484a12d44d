package dev.pinhole.bench;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.Output;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.PublicKey;
import dev.pinhole.wireguard.SessionRecoverySettings;
import dev.pinhole.wireguard.WireGuardDevice;
import dev.pinhole.wireguard.DeviceConfig;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;

/**
 * What a flood of random 32-byte transport messages (unknown receiver indices) costs a device with 1,000 clients,
 * with session recovery (decrypt the index, look the tag up) and without (one table lookup), alternating so both
 * see the same background load. Run by hand: {@code java -cp ... dev.pinhole.bench.UnknownIndexCost [rounds]}.
 */
public final class UnknownIndexCost {
    private static final int MESSAGES = 2_000_000;

    private UnknownIndexCost() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        WireGuardDevice on = device(SessionRecoverySettings.defaults());
        WireGuardDevice off = device(SessionRecoverySettings.off());
        byte[][] messages = new byte[4096][32];
        Random random = new Random(1);
        for (byte[] m : messages) {
            random.nextBytes(m);
            m[0] = 4;
            m[1] = 0;
            m[2] = 0;
            m[3] = 0;
        }
        for (int r = 0; r < rounds; r++) {
            System.out.printf("round %d: recovery off %.0f ns, on %.0f ns per message%n", r,
                    nanosPerMessage(off, messages), nanosPerMessage(on, messages));
        }
        System.out.println("outcomes with recovery on: " + on.recoveries());
    }

    private static WireGuardDevice device(SessionRecoverySettings recovery) {
        WireGuardDevice t = new WireGuardDevice(DeviceConfig.of(Keys.generatePrivate()).withSessionRecovery(recovery));
        for (int i = 0; i < 1000; i++) {
            t.upsertPeer(PeerConfig.of(PublicKey.of(Keys.publicFromPrivate(Keys.generatePrivate())),
                    List.of(Cidr.parse("100.65." + (i / 250) + "." + (i % 250 + 1) + "/32"))));
        }
        return t;
    }

    private static double nanosPerMessage(WireGuardDevice t, byte[][] messages) {
        Output discard = new Output() {
            @Override
            public void deliver(Peer peer, ByteBuffer ipPacket) {
            }

            @Override
            public void send(ByteBuffer datagram, InetSocketAddress to) {
            }
        };
        InetSocketAddress from = new InetSocketAddress("198.51.100.1", 1000);
        long start = System.nanoTime();
        for (int i = 0; i < MESSAGES; i++) {
            t.onDatagram(ByteBuffer.wrap(messages[i & 4095]), from, System.nanoTime(), discard);
        }
        return (double) (System.nanoTime() - start) / MESSAGES;
    }
}
