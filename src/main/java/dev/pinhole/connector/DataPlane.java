package dev.pinhole.connector;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.dns.resolver.AppResolver;
import dev.pinhole.dns.resolver.AppResolverConfig;
import dev.pinhole.dns.resolver.DnsQueryHandler;
import dev.pinhole.dns.resolver.RealAddressPolicy;
import dev.pinhole.dns.resolver.ResolvConf;
import dev.pinhole.dns.resolver.UpstreamDnsClient;
import dev.pinhole.dns.resolver.UpstreamExchange;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.nat.Flow;
import dev.pinhole.nat.FlowEndReason;
import dev.pinhole.nat.FlowKey;
import dev.pinhole.nat.FlowLimits;
import dev.pinhole.nat.FlowTable;
import dev.pinhole.nat.NatDropReason;
import dev.pinhole.nat.NatEvents;
import dev.pinhole.nat.NatTimeouts;
import dev.pinhole.nat.RelayLoop;
import dev.pinhole.nat.TcpRelay;
import dev.pinhole.nat.UdpRelay;
import dev.pinhole.netstack.tcp.TcpConfig;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.PublicKey;
import dev.pinhole.wireguard.Tunnel;
import dev.pinhole.wireguard.TunnelConfig;
import dev.pinhole.wireguard.udp.UdpTunnelDriver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The connector's data plane: WireGuard on a UDP socket, the policy, the tunnel DNS and the NAT.
 *
 * <p>Stages. In: UDP socket → {@link UdpTunnelDriver} receive thread → {@link Tunnel} (decrypt, AllowedIPs) →
 * {@link TunnelIntake} ({@link InboundQueue} copy) → relay thread: {@link PacketRouter}: parse → known peer and own
 * source address → tunnel address port 53: {@link TunnelDns}; an existing flow: {@link TcpRelay}/{@link UdpRelay};
 * a new flow: egress check → {@link Policy} → NAT (or TCP RST / ICMP administratively prohibited). Out: flows and
 * DNS build IP packets on the relay thread → {@link UdpTunnelDriver#sendIp} encrypts and sends on that same thread.
 * This class wires those parts, applies configs and owns the lifecycle; {@link ConnectorStatus} reports.
 *
 * <p>Threads: the WireGuard receive thread (decrypt, handshakes, timers) and the relay thread (everything else).
 * Config changes and egress results are posted to the relay thread, so the flow table, policy swaps and packet
 * handling never race.
 */
public final class DataPlane implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DataPlane.class.getName());
    private static final long HOUSEKEEPING_NANOS = 1_000_000_000L;
    private static final int TOUCH_EVERY_TICKS = 30;
    private static final Duration MAPPING_IDLE = Duration.ofMinutes(10);

    /**
     * Settings that are not in the config file.
     *
     * @param bind          the WireGuard UDP address; null: the wildcard address on {@code tunnel.listenPort}
     * @param upstream      DNS upstream to use instead of {@code dns.upstream}/resolv.conf (tests), or null
     * @param clusterRanges ranges never reached unless a static route names them
     */
    public record Options(InetSocketAddress bind, Ticker ticker, FlowLimits limits, NatTimeouts timeouts,
                          List<Cidr> clusterRanges, UpstreamExchange upstream, int inboundSlots) {
        public static Options defaults() {
            return new Options(null, Ticker.system(), FlowLimits.defaults(), NatTimeouts.defaults(),
                    Policy.DEFAULT_CLUSTER_RANGES, null, 4096);
        }

        public Options withBind(InetSocketAddress b) {
            return new Options(b, ticker, limits, timeouts, clusterRanges, upstream, inboundSlots);
        }

        public Options withTicker(Ticker t) {
            return new Options(bind, t, limits, timeouts, clusterRanges, upstream, inboundSlots);
        }

        public Options withLimits(FlowLimits l) {
            return new Options(bind, ticker, l, timeouts, clusterRanges, upstream, inboundSlots);
        }

        public Options withTimeouts(NatTimeouts t) {
            return new Options(bind, ticker, limits, t, clusterRanges, upstream, inboundSlots);
        }

        public Options withClusterRanges(List<Cidr> c) {
            return new Options(bind, ticker, limits, timeouts, c, upstream, inboundSlots);
        }

        public Options withUpstream(UpstreamExchange u) {
            return new Options(bind, ticker, limits, timeouts, clusterRanges, u, inboundSlots);
        }
    }

    private final Options options;
    private final Ticker ticker;
    private final DataPlaneMetrics metrics;
    private final Tunnel tunnel;
    private final RelayLoop loop;
    private final FlowTable table;
    private final TcpRelay tcp;
    private final UdpRelay udp;
    private final TunnelDns dns;
    private final SyntheticAddressPool pool;
    private final IpAddress tunnelAddress;
    private final ClientCounters counters = new ClientCounters();
    private final PacketRouter router;
    private final TunnelIntake intake;
    private final ConnectorStatus statusReport;
    private final RelayLoop.Timer housekeeping;
    private final ConnectorConfig.Tunnel tunnelSettings;
    private final byte[] privateKey;
    private volatile RuntimeState state;
    private volatile UdpTunnelDriver driver;
    private volatile AutoCloseable upstreamClient;
    private volatile boolean egressOk;
    private volatile EgressVerifier.Result egress;
    private volatile String restartRequired;
    private volatile Map<String, Integer> flowsPerClient = Map.of();
    private int housekeepingTicks;

    private DataPlane(LoadedConfig loaded, Options options, DataPlaneMetrics metrics) {
        ConnectorConfig config = loaded.config();
        this.options = options;
        this.ticker = options.ticker();
        this.metrics = metrics;
        this.tunnelSettings = config.tunnel();
        this.privateKey = loaded.privateKey().clone();
        int mtu = config.tunnel().mtu();
        this.tunnel = new Tunnel(TunnelConfig.of(loaded.privateKey()).withMtu(mtu));
        this.tunnelAddress = IpAddress.parse(config.tunnel().address().split("/")[0]);
        this.loop = RelayLoop.start("pinhole-relay", ticker);
        this.table = new FlowTable(options.limits());
        // TIME_WAIT guards a 4-tuple the client will not reuse soon (it picks fresh ephemeral ports), while every
        // lingering flow counts against the flow limits: 10 s instead of the RFC's 2 MSL.
        TcpConfig tcpConfig = TcpConfig.builder().mtu(mtu).timeWait(Duration.ofSeconds(10)).build();
        NatEvents events = new NatEvents() {
            @Override
            public void refused(FlowKey key, String client, NatDropReason reason) {
                metrics.drop(reason);
                counters.of(client).drops.increment();
            }

            @Override
            public void opened(Flow flow) {
                counters.of(flow.client()).flowsOpened.increment();
            }
        };
        this.tcp = new TcpRelay(loop, table, tcpConfig, options.timeouts(), this::toClient, events);
        this.udp = new UdpRelay(loop, table, mtu, this::toClient, events);
        Cidr appRange = Cidr.parse(config.tunnel().appRange());
        this.pool = new SyntheticAddressPool(appRange, Optional.empty(),
                SyntheticAddressPool.defaultMaxMappings(appRange), MAPPING_IDLE, ticker);
        this.dns = new TunnelDns(loop, () -> state.dns(), tunnelAddress.toBytes(), this::toClient, tcpConfig, 64);
        this.router = new PacketRouter(tunnelAddress, () -> state, () -> egressOk, tcp, udp, dns, metrics, counters,
                this::toClient);
        this.intake = new TunnelIntake(new InboundQueue(options.inboundSlots(), Math.max(2048, mtu + 80)), loop, tcp,
                router, metrics);
        this.statusReport = new ConnectorStatus(tunnel, table, pool, counters, ticker);
        this.housekeeping = loop.timer(this::housekeep);
        this.egressOk = !config.egress().enforce();
        registerMeters();
    }

    /** Builds the data plane for {@code loaded}, binds the WireGuard socket and starts both threads. */
    public static DataPlane start(LoadedConfig loaded, Options options, DataPlaneMetrics metrics) throws IOException {
        DataPlane dp = new DataPlane(loaded, options, metrics);
        try {
            dp.loop.submit(() -> {
                dp.applyOnLoop(loaded.config());
                dp.housekeeping.arm(dp.ticker.nanoTime() + HOUSEKEEPING_NANOS);
                return null;
            }).get(30, TimeUnit.SECONDS);
            InetSocketAddress bind = options.bind() != null ? options.bind()
                    : new InetSocketAddress(loaded.config().tunnel().listenPort());
            dp.driver = UdpTunnelDriver.start(dp.tunnel, bind, dp.ticker, dp.intake);
        } catch (Exception e) {
            dp.close();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("data plane failed to start: " + e.getMessage(), e);
        }
        LOG.info(() -> "data plane up: WireGuard on " + dp.driver.localAddress() + ", public key "
                + dp.tunnel.publicKey() + ", tunnel address " + dp.tunnelAddress);
        return dp;
    }

    private void registerMeters() {
        metrics.gauge("pinhole.connector.flows.active", "protocol", "tcp", table, FlowTable::tcpFlows);
        metrics.gauge("pinhole.connector.flows.active", "protocol", "udp", table, FlowTable::udpFlows);
        metrics.gauge("pinhole.connector.dns.mappings", "kind", "synthetic", pool, SyntheticAddressPool::size);
        metrics.gauge("pinhole.connector.egress.verified", "check", "http", this, d -> d.egressOk ? 1 : 0);
        metrics.handshakes(() -> tunnel.peers().stream().mapToLong(Peer::handshakesCompleted).sum());
        metrics.externalDrops("wireguard", () -> tunnel.drops().total());
        metrics.externalDrops("malformed_packet", () -> router.parser().drops().total());
    }

    // ------------------------------------------------------------------ config

    /** Applies a new valid config without dropping established flows of clients that stay. */
    public CompletableFuture<Void> apply(LoadedConfig loaded) {
        if (!java.util.Arrays.equals(loaded.privateKey(), privateKey)
                || !loaded.config().tunnel().equals(tunnelSettings)) {
            restartRequired = "the private key or tunnel settings changed; restart the connector to apply them";
            LOG.warning(restartRequired);
        }
        return loop.submit(() -> {
            applyOnLoop(loaded.config());
            return null;
        });
    }

    private void applyOnLoop(ConnectorConfig config) throws IOException {
        RuntimeState old = state;
        Map<PublicKey, RuntimeState.Client> clients = new LinkedHashMap<>();
        for (ConnectorConfig.Client c : config.clients() == null ? List.<ConnectorConfig.Client>of()
                : config.clients()) {
            PublicKey key = PublicKey.fromBase64(c.publicKey());
            clients.put(key, new RuntimeState.Client(c.name(), key, IpAddress.parse(c.address().split("/")[0])));
        }
        if (old != null) {
            for (RuntimeState.Client before : old.clients().values()) {
                RuntimeState.Client after = clients.get(before.key());
                if (!before.equals(after)) {
                    int cut = table.endAllOf(before.name(), FlowEndReason.CUT);
                    dns.cut(before.address());
                    if (after == null) {
                        tunnel.removePeer(before.key());
                    }
                    LOG.info(() -> "client " + before.name() + (after == null ? " removed" : " changed") + ": "
                            + cut + " flows cut");
                }
            }
        }
        for (RuntimeState.Client c : clients.values()) {
            byte[] addr = c.address().toBytes();
            tunnel.upsertPeer(PeerConfig.of(c.key(), List.of(new Cidr(IpAddress.ofBytes(addr), addr.length * 8))));
        }
        List<Cidr> clusterRanges = options.clusterRanges();
        Policy policy = Policy.of(config, clusterRanges, pool);
        List<String> upstreamServers = config.dns() == null || config.dns().upstream() == null ? List.of()
                : List.copyOf(config.dns().upstream());
        UpstreamExchange upstream;
        if (options.upstream() != null) {
            upstream = options.upstream();
        } else if (old != null && old.upstreamServers().equals(upstreamServers)) {
            upstream = (UpstreamExchange) upstreamClient;
        } else {
            upstream = openUpstream(upstreamServers);
        }
        RealAddressPolicy realAddresses = new RealAddressPolicy(clusterRanges,
                List.of(Cidr.parse(config.tunnel().appRange())),
                policy.routes());
        List<String> domains = config.domains() == null ? List.of() : config.domains();
        AppResolver resolver = new AppResolver(new AppResolverConfig(DomainMatcher.parse(domains), realAddresses),
                pool, metrics);
        egressOk = !config.egress().enforce() || (egress != null && egress.verified()
                && Objects.equals(egress.observedIp(), config.egress().elasticIP()));
        state = new RuntimeState(config, clients, policy, new DnsQueryHandler(resolver, upstream), upstreamServers);
    }

    private UpstreamExchange openUpstream(List<String> servers) throws IOException {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String s : servers) {
            addresses.add(new InetSocketAddress(InetAddress.getByName(s), 53));
        }
        if (addresses.isEmpty()) {
            try {
                addresses.addAll(ResolvConf.read(ResolvConf.DEFAULT_PATH));
            } catch (IOException e) {
                LOG.warning("cannot read " + ResolvConf.DEFAULT_PATH + ": " + e.getMessage());
            }
        }
        AutoCloseable previous = upstreamClient;
        if (addresses.isEmpty()) {
            LOG.warning("no upstream DNS server: names are answered SERVFAIL");
            upstreamClient = null;
            closeQuietly(previous);
            return q -> CompletableFuture.failedFuture(new IOException("no upstream DNS server"));
        }
        UpstreamDnsClient client = UpstreamDnsClient.of(addresses);
        upstreamClient = client;
        closeQuietly(previous);
        return client;
    }

    // ------------------------------------------------------------------ egress

    /** Records an egress check; with {@code egress.enforce} set, nothing is forwarded until one verifies. */
    public void egress(EgressVerifier.Result result) {
        this.egress = result;
        ConnectorConfig config = state.config();
        egressOk = !config.egress().enforce() || result.verified();
    }

    public boolean forwarding() {
        return egressOk;
    }

    // ------------------------------------------------------------------ packets out

    /** Relay thread: one IP packet towards a client; the buffer is lent for the call only. */
    private void toClient(ByteBuffer packet) {
        metrics.packetOut(packet.remaining());
        UdpTunnelDriver d = driver;
        if (d != null) {
            d.sendIp(packet);
        }
    }

    // ------------------------------------------------------------------ housekeeping

    private void housekeep() {
        long now = ticker.nanoTime();
        try {
            table.expireIdle(now, options.timeouts());
            dns.expireIdle(now);
            if (++housekeepingTicks % TOUCH_EVERY_TICKS == 0) {
                // Mappings live while flows use them: touch the synthetic destinations of live flows.
                for (Flow f : table.flows()) {
                    InetAddress app = Policy.toInet(f.key().app());
                    if (pool.inRange(app)) {
                        pool.touch(app);
                    }
                }
                pool.expireIdle();
            }
            flowsPerClient = Map.copyOf(table.perClient());
        } finally {
            housekeeping.arm(now + HOUSEKEEPING_NANOS);
        }
    }

    /** Runs the idle sweep now (relay thread); for tests driving a fake ticker. */
    public CompletableFuture<Integer> expireIdleNow() {
        return loop.submit(() -> {
            int n = table.expireIdle(ticker.nanoTime(), options.timeouts());
            flowsPerClient = Map.copyOf(table.perClient());
            return n;
        });
    }

    // ------------------------------------------------------------------ views

    public InetSocketAddress localAddress() {
        return driver.localAddress();
    }

    public PublicKey publicKey() {
        return tunnel.publicKey();
    }

    public int activeFlows() {
        return table.size();
    }

    public int mappedNames() {
        return pool.size();
    }

    SyntheticAddressPool pool() {
        return pool;
    }

    RelayLoop loop() {
        return loop;
    }

    FlowTable table() {
        return table;
    }

    /** The data-plane part of /status. */
    public Map<String, Object> status() {
        UdpTunnelDriver d = driver;
        return statusReport.report(new ConnectorStatus.Snapshot(state, egress, egressOk,
                d == null ? null : d.localAddress(), restartRequired, flowsPerClient));
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() {
        try {
            loop.submit(() -> {
                table.endAll(FlowEndReason.CUT);
                return null;
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the loop is stuck or gone: closing its selector below closes the sockets
        }
        closeQuietly(driver);
        loop.close();
        closeQuietly(upstreamClient);
        java.util.Arrays.fill(privateKey, (byte) 0);
    }
}
