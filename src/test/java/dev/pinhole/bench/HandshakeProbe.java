package dev.pinhole.bench;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.wireguard.DeviceConfig;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.Output;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.ProtocolConstants;
import dev.pinhole.wireguard.PublicKey;
import dev.pinhole.wireguard.TimerConfig;
import dev.pinhole.wireguard.WireGuardDevice;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The laptops of bench/clients.sh (a harness, never a test): for each {@code ID PRIVATE_KEY} line on standard input,
 * a WireGuard initiator of our own ({@link WireGuardDevice}, its own UDP socket) that sends a handshake initiation to
 * the connector every {@code RETRY_MS} until one is answered, and prints {@code ID accepted EPOCH_MICROS INITIATIONS}
 * when its session exists. A stock client retries every 5 s (REKEY_TIMEOUT); the bench retries every 100 ms so that
 * the moment the connector first accepts the key is measured to that granularity, from the moment the Client object
 * is created. {@code quit} ends it.
 *
 * <p>usage: HandshakeProbe HOST PORT CONNECTOR_PUBLIC_KEY [RETRY_MS=100]
 */
public final class HandshakeProbe {
    private final InetSocketAddress connector;
    private final PublicKey connectorKey;
    private final TimerConfig timers;
    private final List<Laptop> active = new ArrayList<>();

    private HandshakeProbe(InetSocketAddress connector, PublicKey connectorKey, int retryMillis) {
        this.connector = connector;
        this.connectorKey = connectorKey;
        TimerConfig d = TimerConfig.defaults();
        // REKEY_TIMEOUT shortened to the retry interval, REKEY_ATTEMPT_TIME long: the device retries on its own timer
        // until answered, however long the connector takes to put the key in force.
        this.timers = new TimerConfig(d.rekeyAfterTime(), d.rejectAfterTime(), Duration.ofHours(1),
                Duration.ofMillis(retryMillis), 1, d.keepaliveTimeout(), d.cookieRefreshTime(),
                ProtocolConstants.REKEY_AFTER_MESSAGES, ProtocolConstants.REJECT_AFTER_MESSAGES);
    }

    /** One laptop: its device, its socket, how many initiations it sent. */
    private final class Laptop implements Output {
        final String id;
        final WireGuardDevice device;
        final DatagramChannel channel;
        int initiations;

        Laptop(String id, byte[] privateKey, Selector selector) throws IOException {
            this.id = id;
            this.device = new WireGuardDevice(DeviceConfig.of(privateKey).withTimers(timers));
            device.upsertPeer(PeerConfig.of(connectorKey, List.of(Cidr.parse("0.0.0.0/0"))).withEndpoint(connector));
            this.channel = DatagramChannel.open();
            channel.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ, this);
        }

        @Override
        public void deliver(Peer peer, ByteBuffer ipPacket) {
        }

        @Override
        public void send(ByteBuffer datagram, InetSocketAddress to) {
            if ((datagram.get(datagram.position()) & 0xff) == 1) {
                initiations++;
            }
            try {
                channel.send(datagram, to);
            } catch (IOException e) {
                // lost, as on a network; the timer sends the next one
            }
        }

        boolean hasSession() {
            return device.peer(connectorKey).map(Peer::hasSession).orElse(false);
        }
    }

    public static void main(String[] args) throws Exception {
        HandshakeProbe probe = new HandshakeProbe(new InetSocketAddress(InetAddress.getByName(args[0]),
                Integer.parseInt(args[1])), PublicKey.fromBase64(args[2]),
                args.length > 3 ? Integer.parseInt(args[3]) : 100);
        probe.run();
    }

    private void run() throws Exception {
        ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line.trim());
                }
            } catch (IOException e) {
                // standard input closed: treated as quit
            }
            lines.add("quit");
        }, "probe-stdin");
        reader.setDaemon(true);
        reader.start();
        Selector selector = Selector.open();
        ByteBuffer buf = ByteBuffer.allocateDirect(2048);
        System.out.println("ready");
        System.out.flush();
        while (true) {
            String line;
            while ((line = lines.poll()) != null) {
                if (line.equals("quit")) {
                    return;
                }
                String[] f = line.split("\\s+");
                Laptop l = new Laptop(f[0], Keys.fromBase64(f[1]), selector);
                active.add(l);
                l.device.initiateHandshake(connectorKey, System.nanoTime(), l);
            }
            selector.select(5);
            for (SelectionKey key : selector.selectedKeys()) {
                Laptop l = (Laptop) key.attachment();
                buf.clear();
                InetSocketAddress from;
                while ((from = (InetSocketAddress) l.channel.receive(buf)) != null) {
                    buf.flip();
                    l.device.onDatagram(buf, from, System.nanoTime(), l);
                    buf.clear();
                }
            }
            selector.selectedKeys().clear();
            long now = System.nanoTime();
            for (var it = active.iterator(); it.hasNext(); ) {
                Laptop l = it.next();
                if (l.hasSession()) {
                    Instant at = Instant.now();
                    System.out.printf("%s accepted %d %d%n", l.id, at.getEpochSecond() * 1_000_000L
                            + at.getNano() / 1000, l.initiations);
                    System.out.flush();
                    l.channel.close();
                    it.remove();
                } else {
                    l.device.onTick(now, l);
                }
            }
        }
    }
}
