package dev.pinhole.connector;

import dev.pinhole.budget.Allowance;
import dev.pinhole.budget.Quota;
import dev.pinhole.budget.Resource;
import dev.pinhole.budget.ResourceBudget;
import dev.pinhole.connector.config.ConfigCheck;
import dev.pinhole.connector.config.ConfigProblem;
import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.connector.config.InvalidConfigException;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.connector.records.RecordSource;
import dev.pinhole.connector.records.RecordStream;
import dev.pinhole.dns.resolver.ResolvConf;
import dev.pinhole.dns.resolver.UpstreamDnsClient;
import dev.pinhole.dns.resolver.UpstreamExchange;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.nat.BufferBudgets;
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
import dev.pinhole.netstack.tcp.LentPacket;
import dev.pinhole.netstack.tcp.SegmentSink;
import dev.pinhole.netstack.tcp.TcpConfig;
import dev.pinhole.time.Ticker;
import dev.pinhole.wireguard.Peer;
import dev.pinhole.wireguard.PublicKey;
import dev.pinhole.wireguard.RecoveryOutcome;
import dev.pinhole.wireguard.SessionRecoverySettings;
import dev.pinhole.wireguard.WireGuardDevice;
import dev.pinhole.wireguard.DeviceConfig;
import dev.pinhole.wireguard.udp.UdpDeviceDriver;
import dev.pinhole.wireguard.udp.UdpIo;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The connector's data plane: WireGuard on a UDP socket, the policy, the tunnel DNS and the NAT.
 *
 * <p>Stages. In: UDP socket → {@link UdpDeviceDriver} receive thread → {@link WireGuardDevice} (decrypt, AllowedIPs) →
 * {@link InboundHandOff} ({@link InboundQueue} copy) → relay thread: {@link PacketRouter}: parse → known peer and
 * own source address → tunnel address port 53: {@link InStackDnsServer}; an existing flow: {@link TcpRelay}/{@link
 * UdpRelay};
 * a new flow: egress check → {@link Policy} → NAT (or TCP RST / ICMP administratively prohibited). Out: flows and
 * DNS build IP packets on the relay thread → a {@link UdpDeviceDriver.Sender} encrypts them on that same thread and
 * sends what one loop iteration queued together at its end ({@link RelayLoop#endOfRound}: one {@code sendmmsg} on
 * JDK 22+, one send per datagram on the channel path).
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
     * @param limits        flow limits instead of the config's {@code limits.flows} (tests), or null
     * @param ownAddresses  the pod's own addresses, never reached whatever the routes say
     * @param sessionRecovery whether unknown session indices of clients start a handshake (docs/wireguard.md)
     * @param recordsOut    where flow, refusal and lookup records go (docs/flow-records.md); null: the container's standard
     *                      output (its file descriptor: {@link System#out} would swallow write errors) (the log goes to standard error)
     */
    public record Options(InetSocketAddress bind, Ticker ticker, FlowLimits limits, NatTimeouts timeouts,
                          List<Cidr> clusterRanges, UpstreamExchange upstream, int inboundSlots,
                          List<IpAddress> ownAddresses, boolean sessionRecovery, OutputStream recordsOut) {
        /** Defaults, with the own addresses of this process ({@link OwnAddresses#discover}). */
        public static Options defaults() {
            return new Options(null, Ticker.system(), null, NatTimeouts.defaults(),
                    Policy.DEFAULT_CLUSTER_RANGES, null, 4096, OwnAddresses.discover(System.getenv()), true, null);
        }

        public Options(InetSocketAddress bind, Ticker ticker, FlowLimits limits, NatTimeouts timeouts,
                       List<Cidr> clusterRanges, UpstreamExchange upstream, int inboundSlots) {
            this(bind, ticker, limits, timeouts, clusterRanges, upstream, inboundSlots,
                    OwnAddresses.discover(System.getenv()), true, null);
        }

        public Options withOwnAddresses(List<IpAddress> own) {
            return new Options(bind, ticker, limits, timeouts, clusterRanges, upstream, inboundSlots, own,
                    sessionRecovery, recordsOut);
        }

        public Options withBind(InetSocketAddress b) {
            return new Options(b, ticker, limits, timeouts, clusterRanges, upstream, inboundSlots, ownAddresses,
                    sessionRecovery, recordsOut);
        }

        public Options withTicker(Ticker t) {
            return new Options(bind, t, limits, timeouts, clusterRanges, upstream, inboundSlots, ownAddresses,
                    sessionRecovery, recordsOut);
        }

        public Options withLimits(FlowLimits l) {
            return new Options(bind, ticker, l, timeouts, clusterRanges, upstream, inboundSlots, ownAddresses,
                    sessionRecovery, recordsOut);
        }

        public Options withTimeouts(NatTimeouts t) {
            return new Options(bind, ticker, limits, t, clusterRanges, upstream, inboundSlots, ownAddresses,
                    sessionRecovery, recordsOut);
        }

        public Options withClusterRanges(List<Cidr> c) {
            return new Options(bind, ticker, limits, timeouts, c, upstream, inboundSlots, ownAddresses,
                    sessionRecovery, recordsOut);
        }

        public Options withSessionRecovery(boolean on) {
            return new Options(bind, ticker, limits, timeouts, clusterRanges, upstream, inboundSlots, ownAddresses,
                    on, recordsOut);
        }

        public Options withRecordsOut(OutputStream out) {
            return new Options(bind, ticker, limits, timeouts, clusterRanges, upstream, inboundSlots, ownAddresses,
                    sessionRecovery, out);
        }

        public Options withUpstream(UpstreamExchange u) {
            return new Options(bind, ticker, limits, timeouts, clusterRanges, u, inboundSlots, ownAddresses,
                    sessionRecovery, recordsOut);
        }
    }

    private final Options options;
    private final Ticker ticker;
    private final DataPlaneMetrics metrics;
    private final WireGuardDevice device;
    private final RelayLoop loop;
    /**
     * The one sink every lender (endpoints, relays, DNS, router) gives its packets to: one instance, so the emit call
     * inside {@link LentPacket#lendTo} sees one receiver class and stays monomorphic.
     */
    private final SegmentSink towardsClients = this::toClient;
    private final FlowTable table;
    private final TcpRelay tcp;
    private final UdpRelay udp;
    private final InStackDnsServer dns;
    private final SyntheticAddressPool pool;
    private final IpAddress tunnelAddress;
    private final ClientCounters counters = new ClientCounters();
    /** The synthetic answers each client was given here: a new flow to a synthetic address needs one. */
    private final ClientAnswers answers;
    private final PacketRouter router;
    /** Flow, refusal and lookup records: made on the relay thread, written by the stream's own thread. */
    private final RecordStream records;
    private final ActivityRecorder recorder;
    private final InboundHandOff handOff;
    private final ConnectorStatus statusReport;
    private final RelayLoop.Timer housekeeping;
    /** What clients may hold: buffered bytes, synthetic names, DNS queries in flight, DNS-over-TCP sessions. */
    private final ResourceBudget budget;
    private final ConnectorConfig.WireGuardInterface wireGuardInterface;
    private final byte[] privateKey;
    private volatile RuntimeState state;
    private volatile UdpDeviceDriver driver;
    /** Relay thread only: the driver's batching sender, flushed at the end of every loop iteration. */
    private volatile UdpDeviceDriver.Sender sender;
    private volatile AutoCloseable upstreamClient;
    /** The upstream exchange of the state in force (relay thread). */
    private UpstreamExchange upstreamInForce;
    private volatile EgressVerifier.Result egress;
    /** The egress target of the newest config handed to {@link #apply}, applied or still on its way to the loop. */
    private volatile EgressVerifier.Target requestedEgress;
    private volatile String restartRequired;
    private volatile String inForceDigest;
    private volatile Map<String, Integer> flowsPerClient = Map.of();
    private int housekeepingTicks;
    /** When housekeeping last ran (relay thread): flows that passed an active timeout since get an update. */
    private long lastHousekeepingNanos;

    private DataPlane(LoadedConfig loaded, Options options, DataPlaneMetrics metrics) {
        ConnectorConfig config = loaded.config();
        this.options = options;
        this.ticker = options.ticker();
        this.metrics = metrics;
        this.wireGuardInterface = config.tunnel();
        this.requestedEgress = EgressVerifier.Target.of(config.egress());
        this.privateKey = loaded.privateKey().clone();
        int mtu = config.tunnel().mtu();
        this.device = new WireGuardDevice(DeviceConfig.of(loaded.privateKey()).withMtu(mtu).withSessionRecovery(
                options.sessionRecovery() ? SessionRecoverySettings.defaults() : SessionRecoverySettings.off()));
        this.tunnelAddress = IpAddress.parse(config.tunnel().address().split("/")[0]);
        this.loop = RelayLoop.start("pinhole-relay", ticker);
        this.table = new FlowTable(options.limits() != null ? options.limits() : BudgetSettings.flowLimits(config));
        this.budget = new ResourceBudget(BudgetSettings.quotas(config));
        // TIME_WAIT guards a 4-tuple the client will not reuse soon (it picks fresh ephemeral ports), while every
        // lingering flow counts against the flow limits: 10 s instead of the RFC's 2 MSL.
        TcpConfig tcpConfig = TcpConfig.builder().mtu(mtu).timeWait(Duration.ofSeconds(10)).build();
        NatEvents events = new NatEvents() {
            @Override
            public void refused(FlowKey key, String client, NatDropReason reason) {
                metrics.drop(reason);
                counters.of(client).drops.increment();
                recorder.refused(key, client, reason, table.get(key) != null);
            }

            @Override
            public void opened(Flow flow) {
                counters.of(flow.client()).flowsOpened.increment();
                recorder.flowOpened(flow);
            }

            @Override
            public void ended(Flow flow, FlowEndReason reason) {
                recorder.flowEnded(flow, reason);
            }
        };
        this.tcp = new TcpRelay(loop, table, tcpConfig, options.timeouts(), towardsClients, events,
                new BufferBudgets() {
                    @Override
                    public Allowance of(String client) {
                        return budget.client(client).allowance(Resource.BUFFER_BYTES);
                    }

                    @Override
                    public Allowance forSending(String client) {
                        // Send buffers the client does not drain never take the last eighth of its share (or of the
                        // total): its new flows still get a receive window for their first bytes (a TLS hello).
                        return budget.client(client).allowanceLeaving(Resource.BUFFER_BYTES,
                                budget.quota(Resource.BUFFER_BYTES).perClient() / 8);
                    }
                });
        this.udp = new UdpRelay(loop, table, mtu, towardsClients, events);
        Cidr appRange = Cidr.parse(config.tunnel().appRange());
        this.pool = new SyntheticAddressPool(appRange, Optional.empty(),
                SyntheticAddressPool.defaultMaxMappings(appRange), MAPPING_IDLE, ticker,
                nameKey(loaded.privateKey()));
        this.answers = new ClientAnswers(answersBound(budget, pool, config));
        // Standard output's file descriptor itself, not System.out: a PrintStream swallows write errors, and the
        // records lost to a closed pipe must be counted.
        this.records = new RecordStream(RecordStream.DEFAULT_CAPACITY, options.recordsOut() != null
                ? options.recordsOut() : new FileOutputStream(FileDescriptor.out),
                new RecordSource(config.namespace(), config.name(), RecordSource.podName(System.getenv())),
                metrics.records());
        this.recorder = new ActivityRecorder(records, () -> state, device, pool, ticker, System::currentTimeMillis,
                metrics.records());
        this.dns = new InStackDnsServer(loop, () -> state.dns(),
                client -> state.policy().accessOf(client), tunnelAddress.toBytes(), towardsClients, tcpConfig,
                budget, answers, recorder);
        this.router = new PacketRouter(tunnelAddress, () -> state, this::forwarding, tcp, udp, dns, metrics, counters,
                answers, recorder, towardsClients);
        this.handOff = new InboundHandOff(new InboundQueue(options.inboundSlots(), mtu), loop, tcp,
                router, metrics);
        this.statusReport = new ConnectorStatus(device, table, pool, counters, ticker);
        this.housekeeping = loop.timer(this::housekeep);
        this.lastHousekeepingNanos = ticker.nanoTime();
        registerMeters();
    }

    /**
     * The key that places names in the app range: derived from the private key every replica shares, so replicas
     * agree on every name's address, and secret, so a client cannot pick names that collide with another's.
     */
    static byte[] nameKey(byte[] privateKey) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(privateKey, "HmacSHA256"));
            return mac.doFinal("pinhole synthetic address key v1".getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    /** Answers every client may keep whatever its share of the total comes to. */
    static final int MIN_ANSWERS_PER_CLIENT = 16;

    /**
     * How many synthetic answers are remembered per client: its quota of synthetic names, but no more than its
     * even share of the total quota (at least {@link #MIN_ANSWERS_PER_CLIENT}), so all clients together hold about
     * the total (65,536 by default; an answer costs ~50 B while its name is mapped, ~190 B once recycled: about
     * 12 MiB at most), not clients x perClient (256 x 1,024 answers: ~50 MiB).
     */
    static int answersBound(ResourceBudget budget, SyntheticAddressPool pool, ConnectorConfig config) {
        var quota = budget.quota(Resource.SYNTHETIC_NAMES);
        int clients = Math.max(1, config.clients() == null ? 0 : config.clients().size());
        long share = Math.max(MIN_ANSWERS_PER_CLIENT, quota.total() / clients);
        return (int) Math.min(Math.min(quota.perClient(), share), pool.maxMappings());
    }

    /** Builds the data plane for {@code loaded}, binds the WireGuard socket and starts both threads. */
    public static DataPlane start(LoadedConfig loaded, Options options, DataPlaneMetrics metrics) throws IOException {
        DataPlane dp = new DataPlane(loaded, options, metrics);
        try {
            dp.loop.submit(() -> {
                dp.applyOnLoop(loaded);
                dp.housekeeping.arm(dp.ticker.nanoTime() + HOUSEKEEPING_NANOS);
                return null;
            }).get(30, TimeUnit.SECONDS);
            InetSocketAddress bind = options.bind() != null ? options.bind()
                    : new InetSocketAddress(loaded.config().tunnel().listenPort());
            dp.driver = UdpDeviceDriver.start(dp.device, bind, dp.ticker, dp.handOff);
            UdpDeviceDriver.Sender sender = dp.driver.newSender();
            dp.sender = sender;
            dp.loop.endOfRound(sender::flush);
            UdpDeviceDriver started = dp.driver;
            for (UdpIo io : UdpIo.values()) {
                metrics.gauge("pinhole.connector.udp.io.info", "mode", io.label(), started, d -> d.io() == io ? 1 : 0);
            }
            metrics.udpIoFallbacks(started::ioFallbacks);
            metrics.externalDrops("udp_truncated", started::datagramsTruncated);
        } catch (Exception e) {
            dp.close();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("data plane failed to start: " + e.getMessage(), e);
        }
        LOG.info(() -> "data plane up: WireGuard on " + dp.driver.localAddress() + " (UDP I/O "
                + dp.driver.io().label() + dp.driver.ioFallbackReason().map(r -> ": " + r).orElse("")
                + "; transport open " + dp.device.openStrategy().label() + "), public key "
                + dp.device.publicKey() + ", tunnel address " + dp.tunnelAddress);
        return dp;
    }

    private void registerMeters() {
        for (Resource r : Resource.values()) {
            metrics.gauge("pinhole.connector.budget.used", "resource", r.label(), budget, b -> b.used(r));
            metrics.gauge("pinhole.connector.budget.limit", "resource", r.label(), budget,
                    b -> b.quota(r).total());
            metrics.budgetRefusals(r.label(), () -> budget.refusals(r));
        }
        metrics.gauge("pinhole.connector.flows.active", "protocol", "tcp", table, FlowTable::tcpFlows);
        metrics.gauge("pinhole.connector.flows.active", "protocol", "udp", table, FlowTable::udpFlows);
        metrics.gauge("pinhole.connector.dns.mappings", "kind", "synthetic", pool, SyntheticAddressPool::size);
        metrics.gauge("pinhole.connector.egress.verified", "check", "http", this, d -> d.forwarding() ? 1 : 0);
        metrics.handshakes(() -> device.peers().stream().mapToLong(Peer::handshakesCompleted).sum());
        metrics.externalDrops("wireguard", () -> device.drops().total());
        for (RecoveryOutcome o : RecoveryOutcome.values()) {
            metrics.sessionRecoveries(o.label(), () -> device.recoveries().get(o));
        }
        metrics.externalDrops("malformed_packet", () -> router.parser().drops().total());
    }

    /** Why a worker thread (relay loop, WireGuard receive thread) stopped, or empty while both run. */
    public Optional<String> workerFailure() {
        UdpDeviceDriver d = driver;
        return loop.failure().or(() -> d == null ? Optional.empty() : d.failure());
    }

    /** The relay loop (tests: to break it on purpose). */
    RelayLoop relayLoop() {
        return loop;
    }

    /** Tests: runs {@code hook} once on the WireGuard receive thread, at the end of its next burst. */
    void receiveThreadHook(Runnable hook) {
        handOff.receiveThreadHook(hook);
    }

    // ------------------------------------------------------------------ config

    /**
     * Applies {@code loaded} whole or not at all, on the relay thread: checks it ({@link ConfigCheck}, the same
     * check the operator runs), plans the new state and its revocations ({@link ConfigApplication}), and only then
     * swaps the state, reconciles the tunnel's peers and ends what was revoked. The future completes when the
     * config is in force, or fails with an {@link InvalidConfigException} naming why nothing changed.
     */
    public CompletableFuture<Void> apply(LoadedConfig loaded) {
        // Before the loop applies it: from now on only a result for the new egress target opens forwarding.
        requestedEgress = EgressVerifier.Target.of(loaded.config().egress());
        CompletableFuture<Void> applied = loop.submit(() -> {
            applyOnLoop(loaded);
            return null;
        });
        return applied.whenComplete((ok, failure) -> {
            if (failure != null) {
                requestedEgress = EgressVerifier.Target.of(state.config().egress());
            }
        });
    }

    private void applyOnLoop(LoadedConfig loaded) throws InvalidConfigException {
        ConnectorConfig config = loaded.config();
        List<ConfigProblem> problems = ConfigCheck.check(config);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        RuntimeState old = state;
        List<String> upstreamServers = config.dns() == null || config.dns().upstream() == null ? List.of()
                : List.copyOf(config.dns().upstream());
        UpstreamChoice upstream = chooseUpstream(old, upstreamServers);
        ConfigApplication.Plan plan;
        FlowLimits limits;
        Map<Resource, Quota> quotas;
        try {
            limits = options.limits() == null ? BudgetSettings.flowLimits(config) : null;
            quotas = BudgetSettings.quotas(config);
            List<ConfigApplication.LiveFlow> live = new ArrayList<>();
            for (Flow f : table.flows()) {
                live.add(new ConfigApplication.LiveFlow(f.key(), f.client(), f.realTarget() == null ? null
                        : IpAddress.ofBytes(f.realTarget().getAddress().getAddress())));
            }
            plan = ConfigApplication.plan(old, config, device.peers().stream().map(Peer::publicKey).toList(), live,
                    upstream.exchange(), upstreamServers,
                    new ConfigApplication.Context(options.clusterRanges(), pool, metrics,
                            options.ownAddresses()));
        } catch (RuntimeException e) {
            if (upstream.opened() != null) {
                closeQuietly(upstream.opened());
            }
            throw new InvalidConfigException(List.of(new ConfigProblem("$", null,
                    "the data plane cannot apply it: " + e.getMessage())));
        }
        commit(plan, upstream, loaded);
        if (limits != null) {
            table.limits(limits);
        }
        budget.quotas(quotas);
        answers.bound(answersBound(budget, pool, config));
    }

    /** Puts a plan in force; nothing here can refuse it any more. */
    private void commit(ConfigApplication.Plan plan, UpstreamChoice upstream, LoadedConfig loaded) {
        state = plan.next();
        device.applyPeers(plan.peers(), plan.peersToRemove());
        ConfigApplication.Revocations revoked = plan.revoked();
        for (ConfigApplication.LiveFlow f : revoked.flows()) {
            if (table.end(f.key(), FlowEndReason.REVOKED)) {
                metrics.drop(PolicyDropReason.REVOKED);
                counters.of(f.client()).drops.increment();
            }
        }
        for (RuntimeState.Client c : revoked.clients()) {
            dns.cut(c.address());
            answers.forget(c.name());
        }
        if (!revoked.names().isEmpty()) {
            pool.removeIf(revoked.names()::contains);
        }
        // Atomic in the pool: a name mapped by a lookup that raced this reload under the old reservations goes too
        // (the new policy already forwards nothing to it).
        pool.reserve(plan.reserved());
        upstreamInForce = upstream.exchange();
        if (upstream.opened() != null) {
            AutoCloseable previous = upstreamClient;
            upstreamClient = upstream.opened();
            closeQuietly(previous);
        }
        flowsPerClient = Map.copyOf(table.perClient());
        inForceDigest = loaded.digest();
        restartRequired = !java.util.Arrays.equals(loaded.privateKey(), privateKey)
                || !loaded.config().tunnel().equals(wireGuardInterface)
                ? "the private key or tunnel settings changed; restart the connector to apply them" : null;
        if (restartRequired != null) {
            LOG.warning(restartRequired);
        }
        if (!revoked.isEmpty()) {
            LOG.info(() -> "config " + loaded.digest() + " revoked " + revoked.clients().size() + " clients, "
                    + revoked.names().size() + " names, " + revoked.flows().size() + " flows");
        }
    }

    /** The upstream a new state uses, and the client opened for it (null when an existing one is reused). */
    private record UpstreamChoice(UpstreamExchange exchange, AutoCloseable opened) {}

    private UpstreamChoice chooseUpstream(RuntimeState old, List<String> servers) throws InvalidConfigException {
        if (options.upstream() != null) {
            return new UpstreamChoice(options.upstream(), null);
        }
        if (old != null && old.upstreamServers().equals(servers)) {
            return new UpstreamChoice(upstreamInForce, null);
        }
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String s : servers) {
            addresses.add(new InetSocketAddress(IpAddress.parse(s).toInetAddress(), 53));
        }
        if (addresses.isEmpty()) {
            try {
                addresses.addAll(ResolvConf.read(ResolvConf.DEFAULT_PATH));
            } catch (IOException e) {
                LOG.warning("cannot read " + ResolvConf.DEFAULT_PATH + ": " + e.getMessage());
            }
        }
        if (addresses.isEmpty()) {
            LOG.warning("no upstream DNS server: names are answered SERVFAIL");
            return new UpstreamChoice(q -> CompletableFuture.failedFuture(new IOException("no upstream DNS server")),
                    () -> { });
        }
        try {
            UpstreamDnsClient client = UpstreamDnsClient.of(addresses);
            return new UpstreamChoice(client, client);
        } catch (IOException e) {
            throw new InvalidConfigException(List.of(new ConfigProblem("dns.upstream", String.valueOf(servers),
                    "cannot open a socket for the upstream DNS servers: " + e.getMessage())));
        }
    }

    /** The digest of the config in force (the last one applied whole). */
    public String configDigest() {
        return inForceDigest;
    }

    // ------------------------------------------------------------------ egress

    /**
     * Records an egress check; with {@code egress.enforce} set, nothing is forwarded until one verifies. Returns
     * false when the result was made for an elastic IP or URL the config no longer names (it then opens nothing).
     */
    public boolean egress(EgressVerifier.Result result) {
        this.egress = result;
        return result.target().equals(EgressVerifier.Target.of(state.config().egress()));
    }

    /**
     * Whether new flows may start: decided from the config in force, the newest config asked for and the last
     * result together, at each use, so neither a config swap nor a late result can leave a stale answer behind.
     */
    public boolean forwarding() {
        ConnectorConfig config = state.config();
        EgressVerifier.Result result = egress;
        return !config.egress().enforce() || (result != null && result.verified()
                && result.target().equals(EgressVerifier.Target.of(config.egress()))
                && result.target().equals(requestedEgress));
    }

    // ------------------------------------------------------------------ packets out

    /** Relay thread: one IP packet towards a client, lent for this call only (encrypted and sent before return). */
    private void toClient(LentPacket lent) {
        ByteBuffer packet = lent.buffer();
        metrics.packetOut(packet.remaining());
        UdpDeviceDriver.Sender s = sender;
        if (s != null && loop.inLoop()) {
            s.sendIp(packet);
            return;
        }
        UdpDeviceDriver d = driver;
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
            recorder.sweep();
            recorder.interim(table.view(), lastHousekeepingNanos, now);
            lastHousekeepingNanos = now;
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
        return device.publicKey();
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

    /** The synthetic answers remembered for {@code client} now (tests: the bound holds). */
    int answersHeld(String client) {
        return answers.size(client);
    }

    RelayLoop loop() {
        return loop;
    }

    FlowTable table() {
        return table;
    }

    /** The data-plane part of /status. */
    public Map<String, Object> status() {
        UdpDeviceDriver d = driver;
        return statusReport.report(new ConnectorStatus.Snapshot(state, egress, forwarding(),
                d == null ? null : d.localAddress(),
                d == null ? null : new ConnectorStatus.UdpIoInUse(d.io().label(), d.ioFallbackReason().orElse(null)),
                restartRequired, flowsPerClient, records.queued()));
    }

    /** Relay thread: sends what the batching sender holds now (the loop does it at the end of every iteration). */
    private void flushToClients() {
        UdpDeviceDriver.Sender s = sender;
        if (s != null) {
            s.flush();
        }
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
                recorder.summariseAll();
                flushToClients();
                return null;
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the loop is stuck or gone: closing its selector below closes the sockets
        }
        // After the flows' end records (reason stopping) and the last summaries were offered: they are written
        // before the stream stops.
        records.close();
        // The relay thread first: it sends through the driver's batch until it stops.
        loop.close();
        closeQuietly(driver);
        closeQuietly(upstreamClient);
        java.util.Arrays.fill(privateKey, (byte) 0);
    }
}
