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
import dev.pinhole.netstack.packet.IcmpErrorWriter;
import dev.pinhole.netstack.packet.IcmpType;
import dev.pinhole.netstack.packet.InternetChecksum;
import dev.pinhole.netstack.packet.IpHeader;
import dev.pinhole.netstack.packet.IpHeaderWriter;
import dev.pinhole.netstack.packet.IpProtocol;
import dev.pinhole.netstack.packet.PacketParser;
import dev.pinhole.netstack.packet.ParseResult;
import dev.pinhole.netstack.packet.TcpSegmentBuilder;
import dev.pinhole.netstack.packet.TransportChecksums;
import dev.pinhole.netstack.tcp.TcpConfig;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.PeerConfig;
import dev.pinhole.wireguard.PublicKey;
import dev.pinhole.wireguard.Tunnel;
import dev.pinhole.wireguard.TunnelConfig;
import dev.pinhole.wireguard.udp.PacketSink;
import dev.pinhole.wireguard.udp.UdpTunnelDriver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The connector's data plane: WireGuard on a UDP socket, the policy, the tunnel DNS and the NAT.
 *
 * <p>Stages. In: UDP socket → {@link UdpTunnelDriver} receive thread → {@link Tunnel} (decrypt, AllowedIPs) →
 * {@link InboundQueue} (copy) → relay thread: parse → known peer and own source address → tunnel address port 53:
 * {@link TunnelDns}; an existing flow: {@link TcpRelay}/{@link UdpRelay}; a new flow: egress check → {@link Policy}
 * → NAT (or TCP RST / ICMP administratively prohibited). Out: flows and DNS build IP packets on the relay thread →
 * {@link UdpTunnelDriver#sendIp} encrypts and sends on that same thread.
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
    /** Packets per burst between flushes (one socket write and one ACK per flow per burst). */
    static final int BURST_PACKETS = 64;

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

    /** A configured client as the data plane knows it. */
    record Client(String name, PublicKey key, IpAddress address) {}

    /** Per-client counters that survive config reloads (keyed by client name). */
    static final class ClientCounters {
        final LongAdder packetsIn = new LongAdder();
        final LongAdder drops = new LongAdder();
        final LongAdder flowsOpened = new LongAdder();
    }

    /** Everything a config change swaps at once. */
    private record State(ConnectorConfig config, Map<PublicKey, Client> clients, Policy policy,
                         DnsQueryHandler dns, List<String> upstreamServers) {}

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
    /** Every packet it sees was just authenticated by WireGuard (Poly1305): transport checksums are not summed. */
    private final PacketParser parser = new PacketParser(TransportChecksums.TRUST);
    private final InboundQueue inbound;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final IpAddress tunnelAddress;
    private final Map<String, ClientCounters> counters = new ConcurrentHashMap<>();
    private final RelayLoop.Timer housekeeping;
    private final ConnectorConfig.Tunnel tunnelSettings;
    private final byte[] privateKey;
    /** ALIASING: refusals (RST, ICMP) are built here and handed to the tunnel at once. */
    private final ByteBuffer refusalOut = ByteBuffer.allocate(1400);
    private volatile State state;
    private volatile UdpTunnelDriver driver;
    private volatile AutoCloseable upstreamClient;
    private volatile EgressVerifier.Result egress;
    /** The egress target of the newest config handed to {@link #apply}, applied or still on its way to the loop. */
    private volatile EgressVerifier.Target requestedEgress;
    private volatile String restartRequired;
    private volatile Map<String, Integer> flowsPerClient = Map.of();
    private int housekeepingTicks;

    private DataPlane(LoadedConfig loaded, Options options, DataPlaneMetrics metrics) {
        ConnectorConfig config = loaded.config();
        this.options = options;
        this.ticker = options.ticker();
        this.metrics = metrics;
        this.tunnelSettings = config.tunnel();
        this.requestedEgress = EgressVerifier.Target.of(config.egress());
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
                countersOf(client).drops.increment();
            }

            @Override
            public void opened(Flow flow) {
                countersOf(flow.client()).flowsOpened.increment();
            }
        };
        this.tcp = new TcpRelay(loop, table, tcpConfig, options.timeouts(), this::toClient, events);
        this.udp = new UdpRelay(loop, table, mtu, this::toClient, events);
        this.pool = new SyntheticAddressPool(Cidr.parse(config.tunnel().appRange()),
                Optional.empty(), maxMappings(config.tunnel().appRange()), MAPPING_IDLE, ticker);
        this.dns = new TunnelDns(loop, () -> state.dns(), tunnelAddress.toBytes(), this::toClient, tcpConfig, 64);
        this.inbound = new InboundQueue(options.inboundSlots(), Math.max(2048, mtu + 80));
        this.housekeeping = loop.timer(this::housekeep);
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
            dp.driver = UdpTunnelDriver.start(dp.tunnel, bind, dp.ticker, dp.fromTunnel);
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

    private static int maxMappings(String appRange) {
        int hostBits = 32 - Integer.parseInt(appRange.substring(appRange.indexOf('/') + 1));
        long size = 1L << hostBits;
        long slots = hostBits >= 8 ? size / 256 * 254 : size - 2;
        return (int) Math.min(65_536, slots);
    }

    private void registerMeters() {
        metrics.gauge("pinhole.connector.flows.active", "protocol", "tcp", table, FlowTable::tcpFlows);
        metrics.gauge("pinhole.connector.flows.active", "protocol", "udp", table, FlowTable::udpFlows);
        metrics.gauge("pinhole.connector.dns.mappings", "kind", "synthetic", pool, SyntheticAddressPool::size);
        metrics.gauge("pinhole.connector.egress.verified", "check", "http", this, d -> d.forwarding() ? 1 : 0);
        metrics.handshakes(() -> tunnel.peers().stream().mapToLong(Peer::handshakesCompleted).sum());
        metrics.externalDrops("wireguard", () -> tunnel.drops().total());
        metrics.externalDrops("malformed_packet", () -> parser.drops().total());
    }

    // ------------------------------------------------------------------ config

    /** Applies a new valid config without dropping established flows of clients that stay. */
    public CompletableFuture<Void> apply(LoadedConfig loaded) {
        if (!java.util.Arrays.equals(loaded.privateKey(), privateKey)
                || !loaded.config().tunnel().equals(tunnelSettings)) {
            restartRequired = "the private key or tunnel settings changed; restart the connector to apply them";
            LOG.warning(restartRequired);
        }
        // Before the loop applies it: from now on only a result for the new egress target opens forwarding.
        requestedEgress = EgressVerifier.Target.of(loaded.config().egress());
        return loop.submit(() -> {
            applyOnLoop(loaded.config());
            return null;
        });
    }

    private void applyOnLoop(ConnectorConfig config) throws IOException {
        State old = state;
        Map<PublicKey, Client> clients = new LinkedHashMap<>();
        for (ConnectorConfig.Client c : config.clients() == null ? List.<ConnectorConfig.Client>of()
                : config.clients()) {
            PublicKey key = PublicKey.fromBase64(c.publicKey());
            clients.put(key, new Client(c.name(), key, IpAddress.parse(c.address().split("/")[0])));
        }
        if (old != null) {
            for (Client before : old.clients().values()) {
                Client after = clients.get(before.key());
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
        for (Client c : clients.values()) {
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
        state = new State(config, clients, policy, new DnsQueryHandler(resolver, upstream), upstreamServers);
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
    /**
     * Records an egress check; with {@code egress.enforce} set, nothing is forwarded until one verifies. Returns
     * false when the result was made for an elastic IP or URL the config no longer names (it then opens nothing).
     */
    public boolean egress(EgressVerifier.Result result) {
        this.egress = result;
        return result.target().equals(EgressVerifier.Target.of(state.config().egress()));
    }

    public boolean forwarding() {
        return egressAllows(state.config(), egress);
    }

    /**
     * Whether new flows may start: decided from the config in force and the last result together, at each use, so
     * neither a config swap nor a late result can leave a stale answer behind.
     */
    private boolean egressAllows(ConnectorConfig config, EgressVerifier.Result result) {
        return !config.egress().enforce() || (result != null && result.verified()
                && result.target().equals(EgressVerifier.Target.of(config.egress()))
                && result.target().equals(requestedEgress));
    }

    // ------------------------------------------------------------------ packets in

    /** WireGuard receive thread: copy and hand over to the relay thread (woken at the end of the burst). */
    private final PacketSink fromTunnel = new PacketSink() {
        @Override
        public void onPacket(Peer peer, ByteBuffer packet) {
            if (!inbound.offer(peer, packet)) {
                metrics.drop(PolicyDropReason.QUEUE_FULL);
            }
        }

        @Override
        public void endOfBurst() {
            if (!inbound.isEmpty() && drainScheduled.compareAndSet(false, true)) {
                loop.execute(DataPlane.this::drain);
            }
        }
    };

    /**
     * Relay thread: handles what the receive thread queued, in bursts of at most {@link #BURST_PACKETS}. Within a
     * burst TCP flows keep received bytes and routine ACKs back (see {@link TcpRelay#beginBatch()}); the bound keeps
     * ACKs flowing while the queue never runs dry, and lets socket I/O and timers run between bursts.
     */
    private void drain() {
        drainScheduled.set(false);
        int handled = 0;
        tcp.beginBatch();
        try {
            InboundQueue.Slot slot;
            while (handled < BURST_PACKETS && (slot = inbound.poll()) != null) {
                handled++;
                try {
                    handle(slot.peer, slot.buffer);
                } catch (RuntimeException e) {
                    LOG.log(Level.SEVERE, "packet handling failed", e);
                } finally {
                    inbound.release(slot);
                }
            }
        } finally {
            tcp.endBatch();
        }
        if (handled == BURST_PACKETS && !inbound.isEmpty() && drainScheduled.compareAndSet(false, true)) {
            loop.execute(this::drain);
        }
    }

    /** Relay thread: one decrypted packet from {@code peer}. */
    void handle(Peer peer, ByteBuffer packet) {
        metrics.packetIn(packet.remaining());
        State st = state;
        Client client = st.clients().get(peer.publicKey());
        if (client == null) {
            metrics.drop(PolicyDropReason.UNKNOWN_PEER);
            return;
        }
        ClientCounters cc = countersOf(client.name());
        cc.packetsIn.increment();
        ParseResult parsed = parser.parse(packet);
        if (parsed instanceof ParseResult.Dropped) {
            cc.drops.increment();
            return;
        }
        IpHeader ip = headerOf(parsed);
        if (!client.address().equals(FlowKey.source(ip))) {
            metrics.drop(PolicyDropReason.SPOOFED_SOURCE);
            cc.drops.increment();
            return;
        }
        if (parsed instanceof ParseResult.TcpSegment seg) {
            onTcp(st, client, seg);
        } else if (parsed instanceof ParseResult.UdpDatagram dgram) {
            onUdp(st, client, dgram);
        } else if (parsed instanceof ParseResult.IcmpMessage icmp) {
            if (tunnelAddress.equals(FlowKey.destination(ip))) {
                if (icmp.icmp().isEchoRequest()) {
                    echoReply(icmp);
                }
            } else if (!icmp.icmp().isError()) {
                refuse(client, ip, PolicyDropReason.NO_ROUTE, null);
            }
        }
    }

    private void onTcp(State st, Client client, ParseResult.TcpSegment seg) {
        FlowKey key = FlowKey.of(seg);
        if (key.app().equals(tunnelAddress)) {
            if (key.appPort() == TunnelDns.PORT) {
                dns.onTcp(key, seg);
            } else {
                refuse(client, seg.ip(), PolicyDropReason.TUNNEL_PORT_CLOSED, seg);
            }
            return;
        }
        if (tcp.deliver(key, seg)) {
            return;
        }
        var t = seg.tcp();
        if (!t.syn() || t.ack() || t.rst()) {
            tcp.refuse(key, client.name(), seg, NatDropReason.NO_FLOW);
            return;
        }
        if (!egressAllows(st.config(), egress)) {
            refuse(client, seg.ip(), PolicyDropReason.EGRESS_UNVERIFIED, seg);
            return;
        }
        Policy.Decision d = st.policy().decide(key.app());
        if (d instanceof Policy.Decision.Refuse r) {
            refuse(client, seg.ip(), r.reason(), seg);
        } else if (d instanceof Policy.Decision.Forward f) {
            tcp.open(key, client.name(), seg, targets(f, key.appPort()));
        }
    }

    private void onUdp(State st, Client client, ParseResult.UdpDatagram dgram) {
        FlowKey key = FlowKey.of(dgram);
        if (key.app().equals(tunnelAddress)) {
            if (key.appPort() == TunnelDns.PORT) {
                dns.onUdp(dgram);
            } else {
                refuse(client, dgram.ip(), PolicyDropReason.TUNNEL_PORT_CLOSED, null);
            }
            return;
        }
        if (udp.deliver(key, dgram)) {
            return;
        }
        if (!egressAllows(st.config(), egress)) {
            refuse(client, dgram.ip(), PolicyDropReason.EGRESS_UNVERIFIED, null);
            return;
        }
        Policy.Decision d = st.policy().decide(key.app());
        if (d instanceof Policy.Decision.Refuse r) {
            refuse(client, dgram.ip(), r.reason(), null);
        } else if (d instanceof Policy.Decision.Forward f) {
            udp.open(key, client.name(), dgram, targets(f, key.appPort()));
        }
    }

    /** Answers a ping to the tunnel address (what users try first when the tunnel seems down). */
    private void echoReply(ParseResult.IcmpMessage request) {
        IpHeader ip = request.ip();
        int length = request.icmp().length();
        int protocol = ip.version() == 4 ? IpProtocol.ICMP
                : IpProtocol.ICMPV6;
        byte[] from = ip.destinationBytes();
        byte[] to = ip.sourceBytes();
        int headerLength = IpHeaderWriter.headerLength(from);
        if (headerLength + length > refusalOut.capacity()) {
            return;
        }
        refusalOut.clear().limit(headerLength + length);
        IpHeaderWriter.write(refusalOut, 0, from, to, protocol, length,
                IpHeaderWriter.DEFAULT_HOP_LIMIT);
        refusalOut.put(headerLength, ip.buffer(), request.icmp().offset(), length);
        refusalOut.put(headerLength, (byte) (ip.version() == 4 ? IcmpType.V4_ECHO_REPLY
                : IcmpType.V6_ECHO_REPLY));
        refusalOut.putShort(headerLength + 2, (short) 0);
        long sum = ip.version() == 4 ? 0
                : IpHeaderWriter.pseudoHeaderSum(from, to, protocol, length);
        refusalOut.putShort(headerLength + 2, (short) InternetChecksum.finish(
                InternetChecksum.add(sum, refusalOut, headerLength, length)));
        toClient(refusalOut);
    }

    private static List<InetSocketAddress> targets(Policy.Decision.Forward f, int port) {
        List<InetSocketAddress> out = new ArrayList<>(f.targets().size());
        for (InetAddress a : f.targets()) {
            out.add(new InetSocketAddress(a, port));
        }
        return out;
    }

    /** TCP: RST; anything else: ICMP administratively prohibited from the dialled address. Counted. */
    private void refuse(Client client, IpHeader ip, PolicyDropReason reason, ParseResult.TcpSegment seg) {
        metrics.drop(reason);
        countersOf(client.name()).drops.increment();
        refusalOut.clear();
        int n = seg != null ? TcpSegmentBuilder.writeResetFor(refusalOut, seg)
                : IcmpErrorWriter.administrativelyProhibited(refusalOut, ip.destinationBytes(), ip);
        if (n > 0) {
            toClient(refusalOut);
        }
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
        Map<String, Object> s = new LinkedHashMap<>();
        EgressVerifier.Result e = egress;
        s.put("observedEgressIP", e == null ? null : e.observedIp());
        s.put("egressVerified", e != null && e.verified());
        s.put("egressError", e == null ? null : e.error());
        s.put("egressCheckedAt", e == null ? null : e.checkedAt().toString());
        s.put("forwarding", forwarding());
        UdpTunnelDriver d = driver;
        s.put("listenAddress", d == null ? null : d.localAddress().toString());
        s.put("publicKey", tunnel.publicKey().toBase64());
        s.put("activeFlows", table.size());
        s.put("tcpFlows", table.tcpFlows());
        s.put("udpFlows", table.udpFlows());
        s.put("mappedNames", pool.size());
        s.put("restartRequired", restartRequired);
        Map<String, Object> clients = new LinkedHashMap<>();
        long now = ticker.nanoTime();
        Map<String, Integer> flows = flowsPerClient;
        for (Client c : state.clients().values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", c.address().toString());
            Optional<Peer> peer = tunnel.peer(c.key());
            m.put("endpoint", peer.map(p -> p.endpoint() == null ? null : p.endpoint().toString()).orElse(null));
            m.put("handshakes", peer.map(Peer::handshakesCompleted).orElse(0L));
            m.put("lastHandshakeSecondsAgo", peer.filter(p -> p.lastHandshakeNanos() != 0)
                    .map(p -> (now - p.lastHandshakeNanos()) / 1_000_000_000L).orElse(null));
            m.put("rxBytes", peer.map(Peer::rxBytes).orElse(0L));
            m.put("txBytes", peer.map(Peer::txBytes).orElse(0L));
            ClientCounters cc = countersOf(c.name());
            m.put("packetsIn", cc.packetsIn.sum());
            m.put("drops", cc.drops.sum());
            m.put("flowsOpened", cc.flowsOpened.sum());
            m.put("activeFlows", flows.getOrDefault(c.name(), 0));
            clients.put(c.name(), m);
        }
        s.put("clientStats", clients);
        return s;
    }

    private ClientCounters countersOf(String name) {
        return counters.computeIfAbsent(name, n -> new ClientCounters());
    }

    private static IpHeader headerOf(ParseResult r) {
        if (r instanceof ParseResult.TcpSegment t) {
            return t.ip();
        }
        if (r instanceof ParseResult.UdpDatagram u) {
            return u.ip();
        }
        return ((ParseResult.IcmpMessage) r).ip();
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
