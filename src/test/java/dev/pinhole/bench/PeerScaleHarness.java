package dev.pinhole.bench;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.ConnectorConfigCodec;
import dev.pinhole.connector.config.PeerShardFiles;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.wireguard.DeviceConfig;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.Output;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.PublicKey;
import dev.pinhole.wireguard.WireGuardDevice;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 17's connector benchmark (bench/peers.sh; a harness, never a timed test): a real connector process
 * (ConnectorMain, the pod's JVM options) with N clients in peer shards, and N WireGuard initiators of our own
 * ({@link WireGuardDevice}, one UDP socket each, on 127.0.0.1 or one 127.x.y.z source each) handshaking with it over
 * real UDP. Prints: config load and application time at N, connector heap after GC and RSS with 1 client and with
 * N idle peers (so the memory per idle peer), the handshakes' progress (how many had a session after 1, 5, 10, 30 s
 * and at the end, per second, with the connector's CPU seconds and drop counters: cookie replies and rate-limited
 * handshakes), connector RSS after all handshook, and the time from a config with one new client written to that
 * client's handshake accepted.
 *
 * <p>usage: PeerScaleHarness CLIENTS SOURCES WINDOW_SECONDS TIMEOUT_SECONDS (SOURCES: 1 = every client behind one
 * address, as an office NAT; 0 = one address each)
 */
public final class PeerScaleHarness {
    private static final int PER_SHARD = 3_000;

    private final int clients;
    private final int sources;
    private final Path dir;
    private final int httpPort = 19391;
    private final int wgPort = 51991;
    private final HttpClient http = HttpClient.newHttpClient();
    private final byte[] connectorPrivate = Keys.generatePrivate();
    private final PublicKey connectorKey = PublicKey.of(Keys.publicFromPrivate(connectorPrivate));
    private final List<Initiator> initiators = new ArrayList<>();
    /** Datagrams the initiators sent and received, by WireGuard message type (1 initiation .. 4 transport). */
    private final long[] sentByType = new long[5];
    private final long[] receivedByType = new long[5];
    private Process connector;

    private PeerScaleHarness(int clients, int sources, Path dir) {
        this.clients = clients;
        this.sources = sources;
        this.dir = dir;
    }

    /** One simulated laptop: its own device, key and socket. */
    private final class Initiator implements Output {
        final byte[] privateKey = Keys.generatePrivate();
        final PublicKey publicKey = PublicKey.of(Keys.publicFromPrivate(privateKey));
        final WireGuardDevice device = new WireGuardDevice(DeviceConfig.of(privateKey));
        final String address;
        final InetAddress source;
        DatagramChannel channel;
        long startedNanos;
        long sessionNanos;

        Initiator(int index) throws IOException {
            int host = index + 2;
            this.address = "100.96." + (host >> 8) + "." + (host & 0xff);
            this.source = sources == 1 ? InetAddress.getByName("127.0.0.1")
                    : InetAddress.getByAddress(new byte[] {127, 1, (byte) (index >> 8), (byte) (index & 0xff)});
            device.upsertPeer(PeerConfig.of(connectorKey, List.of(Cidr.parse("100.96.0.1/32")))
                    .withEndpoint(new InetSocketAddress(InetAddress.getLoopbackAddress(), wgPort)));
        }

        ConnectorConfig.Client client(String name) {
            return new ConnectorConfig.Client(name, publicKey.toBase64(), address + "/32");
        }

        @Override
        public void deliver(Peer peer, ByteBuffer ipPacket) {
        }

        @Override
        public void send(ByteBuffer datagram, InetSocketAddress to) {
            int type = datagram.get(datagram.position()) & 0xff;
            sentByType[type < 5 ? type : 0]++;
            try {
                channel.send(datagram, to);
            } catch (IOException e) {
                // a full socket buffer loses the datagram, as the network would
            }
        }

        boolean hasSession() {
            return device.peer(connectorKey).map(Peer::hasSession).orElse(false);
        }
    }

    public static void main(String[] args) throws Exception {
        int clients = Integer.parseInt(args[0]);
        int sources = Integer.parseInt(args[1]);
        double window = Double.parseDouble(args[2]);
        int timeout = Integer.parseInt(args[3]);
        Path dir = Files.createTempDirectory("pinhole-peers");
        PeerScaleHarness h = new PeerScaleHarness(clients, sources, dir);
        try {
            h.run(window, timeout);
        } finally {
            if (h.connector != null) {
                h.connector.destroy();
                h.connector.waitFor();
            }
        }
    }

    private void run(double window, int timeout) throws Exception {
        System.out.printf("clients %,d, %s, handshakes started within %.1f s; java %s%n", clients,
                sources == 1 ? "all from 127.0.0.1" : "one source address each (127.1.x.y)", window,
                System.getProperty("java.version"));
        long t = System.nanoTime();
        for (int i = 0; i <= clients; i++) {
            initiators.add(new Initiator(i));
        }
        System.out.printf("generated %,d client keys in %.1f s%n", clients + 1, seconds(t));
        Files.writeString(dir.resolve("privateKey"), Keys.toBase64(connectorPrivate) + "\n");
        writeConfig(1);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:+UseSerialGC", "-XX:MaxRAM=384m", "-XX:MaxRAMPercentage=33",
                "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                "dev.pinhole.connector.ConnectorMain", "--config=" + dir.resolve("connector.json"),
                "--key=" + dir.resolve("privateKey"), "--http-port=" + httpPort, "--listen-port=" + wgPort));
        connector = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("connector.log").toFile()).start();
        waitReady();
        Memory one = memory();
        System.out.printf("connector with 1 client: heap after GC %.1f MiB, RSS %.1f MiB%n", one.heapMiB, one.rssMiB);

        long written = System.nanoTime();
        String digest = writeConfig(clients);
        long loaded = waitDigestApplied(digest);
        System.out.printf("config with %,d clients in %d shards: in force %.2f s after written (poll every 0.5 s)%n",
                clients, (clients + PER_SHARD - 1) / PER_SHARD, (loaded - written) / 1e9);
        Memory idle = memory();
        System.out.printf("connector with %,d idle peers: heap after GC %.1f MiB, RSS %.1f MiB: %.0f bytes of heap"
                + " per idle peer%n", clients, idle.heapMiB, idle.rssMiB,
                (idle.heapMiB - one.heapMiB) * 1024 * 1024 / (clients - 1));

        handshakes(initiators.subList(0, clients), window, timeout);
        Memory busy = memory();
        System.out.printf("connector after the handshakes: heap after GC %.1f MiB, RSS %.1f MiB%n", busy.heapMiB,
                busy.rssMiB);

        Initiator late = initiators.get(clients);
        long w = System.nanoTime();
        String next = writeConfig(clients + 1);
        long applied = waitDigestApplied(next);
        handshakes(List.of(late), 0, 30);
        System.out.printf("new client: config in force %.2f s after written, handshake accepted %.3f s after"
                + " that (%.2f s in all)%n", (applied - w) / 1e9, (late.sessionNanos - applied) / 1e9,
                (late.sessionNanos - w) / 1e9);
    }

    /** Writes the main config and its shards for the first {@code n} initiators; returns the expected digest. */
    private String writeConfig(int n) throws Exception {
        List<ConnectorConfig.PeerShard> refs = new ArrayList<>();
        for (int from = 0, shard = 0; from < n; from += PER_SHARD, shard++) {
            List<ConnectorConfig.Client> list = new ArrayList<>();
            for (int i = from; i < Math.min(n, from + PER_SHARD); i++) {
                list.add(initiators.get(i).client("laptop-" + i));
            }
            String text = ConnectorConfigCodec.writeShard(new ConnectorConfig.PeerShardFile(PeerShardFiles.FORMAT,
                    list));
            String file = "peers-" + shard + ".json";
            Files.writeString(dir.resolve(file), text);
            refs.add(new ConnectorConfig.PeerShard(file, PeerShardFiles.sha256(text.getBytes(StandardCharsets.UTF_8))));
        }
        ConnectorConfig main = new ConnectorConfig(ConnectorConfig.FORMAT, "bench", "peers",
                new ConnectorConfig.WireGuardInterface("100.96.0.1/16", wgPort, 1420, "100.80.0.0/12"), List.of(),
                List.of("example.com"), List.of(), new ConnectorConfig.Egress("203.0.113.10", null, false),
                new ConnectorConfig.Dns(List.of("127.0.0.1")), new ConnectorConfig.Http(httpPort))
                .withPeerShards(refs);
        String text = ConnectorConfigCodec.write(main);
        Path tmp = dir.resolve("connector.json.tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, dir.resolve("connector.json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return text;
    }

    private void handshakes(List<Initiator> batch, double window, int timeout) throws Exception {
        Selector selector = Selector.open();
        for (Initiator i : batch) {
            i.channel = DatagramChannel.open();
            i.channel.bind(new InetSocketAddress(i.source, 0));
            i.channel.configureBlocking(false);
            i.channel.register(selector, SelectionKey.OP_READ, i);
        }
        double dropsBefore = wireGuardDrops();
        long[] sent0 = sentByType.clone();
        long[] received0 = receivedByType.clone();
        double cpuBefore = connectorCpuSeconds();
        long start = System.nanoTime();
        int started = 0;
        int done = 0;
        long lastTick = start;
        long[] marks = {1, 5, 10, 30, 60, 120, 300};
        int mark = 0;
        ByteBuffer buf = ByteBuffer.allocateDirect(2048);
        while (done < batch.size() && System.nanoTime() - start < timeout * 1_000_000_000L) {
            long now = System.nanoTime();
            int due = window <= 0 ? batch.size() : (int) Math.min(batch.size(), (now - start) / (window * 1e9)
                    * batch.size() + 1);
            while (started < due) {
                Initiator i = batch.get(started++);
                i.startedNanos = System.nanoTime();
                i.device.initiateHandshake(connectorKey, i.startedNanos, i);
            }
            selector.select(5);
            for (SelectionKey key : selector.selectedKeys()) {
                Initiator i = (Initiator) key.attachment();
                buf.clear();
                InetSocketAddress from;
                while ((from = (InetSocketAddress) i.channel.receive(buf)) != null) {
                    buf.flip();
                    int type = buf.get(0) & 0xff;
                    receivedByType[type < 5 ? type : 0]++;
                    i.device.onDatagram(buf, from, System.nanoTime(), i);
                    buf.clear();
                    if (i.sessionNanos == 0 && i.hasSession()) {
                        i.sessionNanos = System.nanoTime();
                        done++;
                    }
                }
            }
            selector.selectedKeys().clear();
            if (now - lastTick > 100_000_000L) {
                lastTick = now;
                for (int k = 0; k < started; k++) {
                    batch.get(k).device.onTick(now, batch.get(k));
                }
            }
            if (batch.size() > 1 && mark < marks.length && now - start >= marks[mark] * 1_000_000_000L) {
                System.out.printf("  after %3d s: %,d of %,d with a session%n", marks[mark], done, batch.size());
                mark++;
            }
        }
        double elapsed = seconds(start);
        double cpu = connectorCpuSeconds() - cpuBefore;
        if (batch.size() > 1) {
            System.out.printf("handshakes: %,d of %,d with a session in %.2f s (%.0f/s); connector CPU %.2f s"
                    + " (%.2f ms a handshake)%n", done, batch.size(), elapsed, done / elapsed, cpu,
                    cpu * 1000 / Math.max(1, done));
            System.out.printf("  initiations sent %,d, responses %,d, cookie replies %,d; connector WireGuard"
                    + " drops (cookie demanded, rate limited, ...) %,.0f%n", sentByType[1] - sent0[1],
                    receivedByType[2] - received0[2], receivedByType[3] - received0[3],
                    wireGuardDrops() - dropsBefore);
        }
        for (Initiator i : batch) {
            i.channel.close();
        }
        selector.close();
    }

    private record Memory(double heapMiB, double rssMiB) {}

    private Memory memory() throws Exception {
        new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(connector.pid()), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        Thread.sleep(300);
        String text = get("/metrics");
        double heap = 0;
        Matcher m = Pattern.compile("jvm_memory_used_bytes\\{area=\"heap\"[^}]*} ([0-9.eE+]+)").matcher(text);
        while (m.find()) {
            heap += Double.parseDouble(m.group(1));
        }
        double rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + connector.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Double.parseDouble(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return new Memory(heap / (1 << 20), rss);
    }

    private double connectorCpuSeconds() throws IOException {
        String[] f = Files.readString(Path.of("/proc/" + connector.pid() + "/stat")).split("\\) ")[1].split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    /** The connector's WireGuard-layer drops (one total: cookie demanded, rate limited, bad MACs...). */
    private double wireGuardDrops() throws Exception {
        Matcher m = Pattern.compile("pinhole_connector_drops_total\\{[^}]*reason=\"wireguard\"[^}]*} ([0-9.eE+]+)")
                .matcher(get("/metrics"));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private String get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private void waitReady() throws Exception {
        long start = System.nanoTime();
        while (true) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    System.out.printf("connector ready %.1f s after start%n", seconds(start));
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!connector.isAlive()) {
                throw new IllegalStateException("connector exited: see " + dir.resolve("connector.log"));
            }
            Thread.sleep(50);
        }
    }

    /** Waits until /status shows a new config digest with no error; returns when it was seen. */
    private long waitDigestApplied(String text) throws Exception {
        String before = digestInForce();
        while (true) {
            String now = digestInForce();
            if (!now.equals(before)) {
                return System.nanoTime();
            }
            Thread.sleep(20);
        }
    }

    private String digestInForce() throws Exception {
        Matcher m = Pattern.compile("\"configDigest\"\\s*:\\s*\"([0-9a-f]+)\"").matcher(get("/status"));
        return m.find() ? m.group(1) : "";
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
