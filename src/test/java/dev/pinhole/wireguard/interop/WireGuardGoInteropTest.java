package dev.pinhole.wireguard.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.testing.BatchedUdp;
import dev.pinhole.testing.RootTier;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.WireGuardDropReason;
import dev.pinhole.wireguard.Keys;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.PublicKey;
import dev.pinhole.wireguard.TimerConfig;
import dev.pinhole.wireguard.WireGuardDevice;
import dev.pinhole.wireguard.DeviceConfig;
import dev.pinhole.wireguard.udp.PacketSink;
import dev.pinhole.wireguard.udp.UdpDeviceDriver;
import dev.pinhole.wireguard.udp.UdpIo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Java device against wireguard-go. wireguard-go runs in a fresh network namespace behind a veth pair; the
 * Java side listens on the root-namespace end (a JVM cannot enter a namespace per thread). Replies to traffic
 * that reaches the Java side are made by a tiny ICMP/UDP echo over the decrypted packets.
 */
@RootTier(requires = {"wireguard-go", "wg", "ip", "ping"})
class WireGuardGoInteropTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String suffix = HexFormat.of().formatHex(RANDOM.generateSeed(3)).substring(0, 5);
    private final String ns = "ph" + suffix;
    private final String vethRoot = "ph" + suffix + "r";
    private final String vethNs = "ph" + suffix + "n";
    private final String wgIf = "phw" + suffix;
    private final int net = RANDOM.nextInt(512);
    private final String underlayPrefix = "198." + (18 + net / 256) + "." + (net % 256) + ".";
    private final String javaUnderlay = underlayPrefix + "1";
    private final String goUnderlay = underlayPrefix + "2";
    private final String tunnelPrefix = "100." + (64 + RANDOM.nextInt(64)) + "." + RANDOM.nextInt(256) + ".";
    private final String javaTunnelIp = tunnelPrefix + "1";
    private final String goTunnelIp = tunnelPrefix + "2";
    private final int javaPort = 20000 + RANDOM.nextInt(20000);
    private final int goPort = 40000 + RANDOM.nextInt(20000);

    private final byte[] goPrivate = Keys.generatePrivate();
    private final PublicKey goPublic = PublicKey.of(Keys.publicFromPrivate(goPrivate));
    private byte[] javaPrivate = Keys.generatePrivate();
    private Process wireguardGo;
    private Path keyFile;
    private Path goLog;
    private WireGuardDevice device;
    private UdpDeviceDriver driver;
    private final ConcurrentLinkedQueue<byte[]> received = new ConcurrentLinkedQueue<>();
    private volatile boolean echo = true;

    @BeforeEach
    void setUp() throws Exception {
        Shell.run("ip", "netns", "add", ns);
        Shell.run("ip", "link", "add", vethRoot, "type", "veth", "peer", "name", vethNs, "netns", ns);
        Shell.run("ip", "addr", "add", javaUnderlay + "/24", "dev", vethRoot);
        Shell.run("ip", "link", "set", vethRoot, "up");
        Shell.run("ip", "-n", ns, "addr", "add", goUnderlay + "/24", "dev", vethNs);
        Shell.run("ip", "-n", ns, "link", "set", vethNs, "up");
        Shell.run("ip", "-n", ns, "link", "set", "lo", "up");
        goLog = Files.createTempFile("wireguard-go-", ".log");
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", ns, "wireguard-go", "-f", wgIf)
                .redirectErrorStream(true).redirectOutput(goLog.toFile());
        pb.environment().put("WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD", "1");
        pb.environment().put("LOG_LEVEL", "verbose");
        wireguardGo = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // The TUN device appears before wireguard-go's UAPI socket listens; `wg` needs the socket.
        Path uapi = Path.of("/var/run/wireguard", wgIf + ".sock");
        while (!Files.exists(uapi) || !Shell.tryRun("ip", "-n", ns, "link", "show", wgIf).contains(wgIf)) {
            if (System.nanoTime() > deadline || !wireguardGo.isAlive()) {
                throw new IllegalStateException("wireguard-go did not come up: " + Files.readString(goLog));
            }
            Thread.sleep(50);
        }
        keyFile = Files.createTempFile("wg-key-", ".txt");
        Files.writeString(keyFile, Keys.toBase64(goPrivate) + "\n");
        Shell.run("ip", "netns", "exec", ns, "wg", "set", wgIf, "private-key", keyFile.toString(),
                "listen-port", Integer.toString(goPort));
        Shell.run("ip", "-n", ns, "addr", "add", goTunnelIp + "/24", "dev", wgIf);
        Shell.run("ip", "-n", ns, "link", "set", wgIf, "up");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (driver != null) {
            driver.close();
        }
        if (wireguardGo != null) {
            wireguardGo.destroy();
            if (!wireguardGo.waitFor(5, TimeUnit.SECONDS)) {
                wireguardGo.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        Shell.tryRun("ip", "netns", "del", ns);
        Shell.tryRun("ip", "link", "del", vethRoot);
        if (keyFile != null) {
            Files.deleteIfExists(keyFile);
        }
        if (goLog != null) {
            Files.deleteIfExists(goLog);
        }
    }

    /** Tells wireguard-go about the Java peer (with its endpoint, so it can initiate). */
    private void configureGoPeer(byte[] javaPublic) {
        Shell.run("ip", "netns", "exec", ns, "wg", "set", wgIf, "peer", Keys.toBase64(javaPublic), "allowed-ips",
                javaTunnelIp + "/32", "endpoint", javaUnderlay + ":" + javaPort);
    }

    private void startJava(TimerConfig timers, boolean knowsGo) throws IOException {
        startJava(timers, knowsGo, null);
    }

    /** {@code io} null: chosen as in production (batched on JDK 22+). Batched: echoes go out through a Sender. */
    private void startJava(TimerConfig timers, boolean knowsGo, UdpIo io) throws IOException {
        device = new WireGuardDevice(DeviceConfig.of(javaPrivate).withTimers(timers));
        if (knowsGo) {
            device.upsertPeer(PeerConfig.of(goPublic, List.of(Cidr.parse(goTunnelIp + "/32")))
                    .withEndpoint(new InetSocketAddress(goUnderlay, goPort)));
        }
        driver = UdpDeviceDriver.start(device, new InetSocketAddress(javaUnderlay, javaPort), Ticker.system(),
                new PacketSink() {
                    @Override
                    public void onPacket(Peer peer, ByteBuffer ip) {
                        WireGuardGoInteropTest.this.onPacket(peer, ip);
                    }

                    @Override
                    public void endOfBurst() {
                        UdpDeviceDriver.Sender s = echoSender;
                        if (s != null) {
                            s.flush();
                        }
                    }
                }, io);
        if (io == UdpIo.RECVMMSG_SENDMMSG) {
            echoSender = driver.newSender();
        }
    }

    /** Receive thread: echoes queued here go out together at the end of each receive burst. */
    private volatile UdpDeviceDriver.Sender echoSender;

    private void onPacket(Peer peer, ByteBuffer ip) {
        byte[] copy = new byte[ip.remaining()];
        ip.get(ip.position(), copy);
        received.add(copy);
        if (echo) {
            byte[] reply = IpEcho.reply(ip);
            if (reply != null) {
                UdpDeviceDriver.Sender s = echoSender;
                if (s != null) {
                    s.sendIp(ByteBuffer.wrap(reply));
                } else {
                    driver.sendIp(ByteBuffer.wrap(reply));
                }
            }
        }
    }

    private String ping(int count) {
        return Shell.tryRun("ip", "netns", "exec", ns, "ping", "-c", Integer.toString(count), "-i", "0.2", "-W",
                "3", javaTunnelIp);
    }

    private static boolean pingOk(String out) {
        return out.contains(" 0% packet loss") || out.matches("(?s).*[1-9]\\d* received.*")
                && !out.contains("100% packet loss");
    }

    private boolean javaPingsGo(int seq) throws InterruptedException {
        byte[] req = IpEcho.icmpEchoRequest(IpAddress.parse(javaTunnelIp).toBytes(),
                IpAddress.parse(goTunnelIp).toBytes(), 0x5150, seq);
        driver.sendIp(ByteBuffer.wrap(req));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (received.stream().anyMatch(p -> IpEcho.isEchoReply(p, seq))) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    @Test
    void wireguardGoPingsTheJavaResponder() throws Exception {
        startJava(TimerConfig.defaults(), true);
        configureGoPeer(Keys.publicFromPrivate(javaPrivate));
        String out = ping(5);
        assertThat(out).contains("5 received");
        Peer peer = device.peer(goPublic).orElseThrow();
        assertThat(peer.handshakesCompleted()).isEqualTo(1);
        assertThat(device.drops().total()).isZero();
    }

    @Test
    @BatchedUdp
    void aPingFloodFromWireguardGoIsAnsweredWholeOverRecvmmsgAndSendmmsg() throws Exception {
        startJava(TimerConfig.defaults(), true, UdpIo.RECVMMSG_SENDMMSG);
        configureGoPeer(Keys.publicFromPrivate(javaPrivate));
        assertThat(driver.io()).isEqualTo(UdpIo.RECVMMSG_SENDMMSG);
        assertThat(pingOk(ping(1))).as("handshake and first echo").isTrue();

        // A flood keeps several datagrams queued per receive call and several echoes per send call.
        String out = Shell.tryRun("ip", "netns", "exec", ns, "ping", "-f", "-l", "32", "-c", "2000", "-s", "1300", "-W", "2",
                javaTunnelIp);

        assertThat(out).contains("2000 packets transmitted, 2000 received");
        assertThat(device.drops().total()).isZero();
        assertThat(driver.sendDrops()).isZero();
        assertThat(driver.datagramsTruncated()).isZero();
    }

    @Test
    void udpRoundTripFromWireguardGo() throws Exception {
        startJava(TimerConfig.defaults(), true);
        configureGoPeer(Keys.publicFromPrivate(javaPrivate));
        Path client = Path.of(WireGuardGoInteropTest.class.getResource("UdpEchoClient.java").toURI());
        String java = ProcessHandle.current().info().command().orElse("java");
        String out = Shell.tryRun("ip", "netns", "exec", ns, java, client.toString(), javaTunnelIp, "7777");
        assertThat(out).contains("udp-ok");
    }

    @Test
    void javaInitiatesAndWireguardGoAnswers() throws Exception {
        startJava(TimerConfig.defaults(), true);
        configureGoPeer(Keys.publicFromPrivate(javaPrivate));
        assertThat(javaPingsGo(1)).isTrue();
        assertThat(javaPingsGo(2)).isTrue();
        String handshakes = Shell.run("ip", "netns", "exec", ns, "wg", "show", wgIf, "latest-handshakes");
        assertThat(handshakes).doesNotContain("\t0\n");
        assertThat(device.peer(goPublic).orElseThrow().handshakesCompleted()).isEqualTo(1);
    }

    @Test
    void javaRekeysWithAShortenedRekeyAfterTime() throws Exception {
        startJava(TimerConfig.defaults().withRekeyAfterTime(Duration.ofSeconds(2)), true);
        configureGoPeer(Keys.publicFromPrivate(javaPrivate));
        Peer peer = device.peer(goPublic).orElseThrow();
        int seq = 100;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (peer.handshakesCompleted() < 3 && System.nanoTime() < deadline) {
            assertThat(javaPingsGo(seq++)).isTrue();
            Thread.sleep(300);
        }
        assertThat(peer.handshakesCompleted()).isGreaterThanOrEqualTo(3);
        assertThat(javaPingsGo(seq)).isTrue();
        assertThat(pingOk(ping(3))).isTrue();
    }

    @Test
    void javaUnknownToWireguardGoGetsNoReply() throws Exception {
        startJava(TimerConfig.defaults(), true);
        configureGoPeer(Keys.publicFromPrivate(Keys.generatePrivate()));
        assertThat(javaPingsGo(7)).isFalse();
        assertThat(driver.datagramsReceived()).isZero();
        assertThat(device.peer(goPublic).orElseThrow().hasSession()).isFalse();
    }

    @Test
    void wireguardGoUnknownToJavaGetsNoReply() throws Exception {
        startJava(TimerConfig.defaults(), false);
        configureGoPeer(Keys.publicFromPrivate(javaPrivate));
        String out = ping(2);
        assertThat(out).contains("100% packet loss");
        assertThat(driver.datagramsReceived()).isPositive();
        assertThat(device.drops().get(WireGuardDropReason.UNKNOWN_PEER)).isPositive();
        String transfer = Shell.run("ip", "netns", "exec", ns, "wg", "show", wgIf, "transfer");
        assertThat(transfer).matches("(?s)\\S+\\t0\\t\\d+\\s*");
    }

    @Test
    void javaFollowsWireguardGoWhenItRoamsToANewPort() throws Exception {
        startJava(TimerConfig.defaults(), true);
        configureGoPeer(Keys.publicFromPrivate(javaPrivate));
        assertThat(ping(2)).contains("2 received");
        Peer peer = device.peer(goPublic).orElseThrow();
        assertThat(peer.endpoint().getPort()).isEqualTo(goPort);
        int newPort = goPort == 59999 ? 40001 : goPort + 1;
        Shell.run("ip", "netns", "exec", ns, "wg", "set", wgIf, "listen-port", Integer.toString(newPort));
        assertThat(ping(3)).contains("3 received");
        assertThat(peer.endpoint().getPort()).isEqualTo(newPort);
        assertThat(javaPingsGo(9)).isTrue();
    }

    @Test
    void javaFollowsWireguardGoWhenItRoamsToANewAddress() throws Exception {
        startJava(TimerConfig.defaults(), true);
        configureGoPeer(Keys.publicFromPrivate(javaPrivate));
        assertThat(ping(2)).contains("2 received");
        String roamed = underlayPrefix + "3";
        // Deleting the primary address first: deleting it after adding would take the secondary with it.
        Shell.run("ip", "-n", ns, "addr", "del", goUnderlay + "/24", "dev", vethNs);
        Shell.run("ip", "-n", ns, "addr", "add", roamed + "/24", "dev", vethNs);
        // wireguard-go pins the source address it last used; re-setting the endpoint drops that pin, as a
        // laptop's network change does.
        configureGoPeer(Keys.publicFromPrivate(javaPrivate));
        String out = ping(10);
        assertThat(pingOk(out)).as(out + Files.readString(goLog)).isTrue();
        Peer peer = device.peer(goPublic).orElseThrow();
        assertThat(peer.endpoint().getAddress().getHostAddress()).isEqualTo(roamed);
    }
}
