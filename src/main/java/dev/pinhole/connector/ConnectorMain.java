package dev.pinhole.connector;

import dev.pinhole.connector.config.ConfigProblem;
import dev.pinhole.connector.config.InvalidConfigException;
import dev.pinhole.connector.config.LoadedConfig;
import dev.pinhole.connector.config.ShardsPendingException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Entry point of the connector role ({@code pinhole connector --config FILE --key FILE}): a plain Java process,
 * no Quarkus, no Kubernetes client. Exits 2 on bad arguments and 3 when the first config is invalid, so a
 * misconfigured pod crash-loops visibly instead of running without a config. SIGTERM stops it gracefully
 * ({@link GracefulStop}): unready at once, forwarding for the drain period, then every flow closed and exit 0.
 */
public final class ConnectorMain {
    private static final System.Logger LOG = System.getLogger(ConnectorMain.class.getName());
    /**
     * How often the config files are compared with the config in force: this bounds how long a revoked name, route
     * or client keeps working after its file changed (a poll of unchanged files is two reads and a hash).
     */
    static final long RELOAD_PERIOD_MS = 500;
    static final long APPLY_TIMEOUT_SECONDS = 30;
    /** How long a starting connector waits for peer shards the kubelet has not refreshed yet. */
    static final long START_SHARD_WAIT_SECONDS = 120;

    private ConnectorMain() {}

    public static void main(String[] argv) throws Exception {
        StartTimeline timeline = StartTimeline.begin();
        // Quarkus's slf4j binding needs its log manager, which this plain process does not start; the connector
        // logs through System.Logger, so libraries' slf4j output is dropped instead of warning at every start.
        System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        ConnectorArgs args;
        try {
            args = ConnectorArgs.parse(Arrays.asList(argv));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        LoadedConfig initial;
        try {
            initial = loadWaitingForShards(args);
        } catch (InvalidConfigException e) {
            System.err.println("invalid connector config: " + e.getMessage());
            System.exit(3);
            return;
        }
        timeline.ended("config");
        // A SIGTERM while starting (the HTTP port may already answer) is kept and honoured once started: the
        // replica never served, so it closes at once instead of draining.
        AtomicBoolean termWhileStarting = new AtomicBoolean();
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> termWhileStarting.set(true));
        ConnectorProcess process = ConnectorProcess.start(args, initial, timeline);
        // SIGINT and System.exit still run the hook: close at once. SIGTERM (a rollout, a drain, kubectl delete)
        // is handled below instead, so the pod leaves the load balancer before its flows are closed.
        Runtime.getRuntime().addShutdownHook(new Thread(process::close, "connector-shutdown"));
        GracefulStop stop = new GracefulStop(process.readiness(), args.drain());
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> {
            LOG.log(System.Logger.Level.INFO, stop.phase() == GracefulStop.Phase.RUNNING
                    ? "SIGTERM: not ready any more; forwarding for at most " + args.drain().toSeconds()
                            + " s, then closing every flow (a second SIGTERM closes them now)"
                    : "second SIGTERM: closing every flow now");
            stop.request();
        });
        if (termWhileStarting.get()) {
            LOG.log(System.Logger.Level.INFO, "SIGTERM while starting: closing now");
            stop.requestWithoutDrain();
        }
        stop.awaitEnd();
        LOG.log(System.Logger.Level.INFO, "drain over: closing " + process.dataPlane().activeFlows()
                + " flows (TCP clients get a RST) and exiting");
        process.close();
        System.exit(0);
    }

    /**
     * The config at start. A pod that starts while the kubelet has refreshed some of its peer shards and not the
     * others waits for the rest (up to {@link #START_SHARD_WAIT_SECONDS}) instead of exiting into a restart loop.
     */
    private static LoadedConfig loadWaitingForShards(ConnectorArgs args) throws InvalidConfigException,
            InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SHARD_WAIT_SECONDS);
        String logged = null;
        while (true) {
            try {
                return LoadedConfig.load(args.config(), args.key());
            } catch (ShardsPendingException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                if (!e.getMessage().equals(logged)) {
                    logged = e.getMessage();
                    LOG.log(System.Logger.Level.INFO, "waiting for peer shards: " + logged);
                }
                Thread.sleep(RELOAD_PERIOD_MS);
            }
        }
    }

    /** A running connector: its data plane, HTTP endpoints, readiness gates, egress checks and config reloads. */
    public static final class ConnectorProcess implements AutoCloseable {
        private final HttpEndpoints http;
        private final GuardedTimers timers;
        private final ConfigWatcher watcher;
        private final Readiness readiness;
        private final DataPlane dataPlane;
        private final EgressChecks egressChecks;
        private boolean closed;

        private ConnectorProcess(HttpEndpoints http, GuardedTimers timers, ConfigWatcher watcher,
                                 Readiness readiness, DataPlane dataPlane, EgressChecks egressChecks) {
            this.http = http;
            this.timers = timers;
            this.watcher = watcher;
            this.readiness = readiness;
            this.dataPlane = dataPlane;
            this.egressChecks = egressChecks;
        }

        public static ConnectorProcess start(ConnectorArgs args, LoadedConfig initial) throws java.io.IOException {
            return start(args, initial, StartTimeline.begin());
        }

        static ConnectorProcess start(ConnectorArgs args, LoadedConfig initial, StartTimeline timeline)
                throws java.io.IOException {
            DataPlane.Options options = DataPlane.Options.defaults();
            String clusterCidrs = System.getenv("PINHOLE_CLUSTER_CIDRS");
            if (clusterCidrs != null) {
                options = options.withClusterRanges(Policy.parseCidrList(clusterCidrs));
            }
            LOG.log(System.Logger.Level.INFO, "own addresses, never reached through the tunnel: "
                    + options.ownAddresses());
            if (args.listenPort() != null) {
                options = options.withBind(new InetSocketAddress(args.listenPort()));
            }
            options = options.withSessionRecovery(args.sessionRecovery());
            if (!args.sessionRecovery()) {
                LOG.log(System.Logger.Level.INFO, "session recovery off: sessions of failed-over clients wait for"
                        + " the client's own handshake");
            }
            return start(args, initial, options, timeline);
        }

        /** Starts with explicit data-plane options (tests: loopback bind, upstream DNS, fake limits). */
        public static ConnectorProcess start(ConnectorArgs args, LoadedConfig initial, DataPlane.Options options)
                throws java.io.IOException {
            return start(args, initial, options, StartTimeline.begin());
        }

        private static ConnectorProcess start(ConnectorArgs args, LoadedConfig initial, DataPlane.Options options,
                                              StartTimeline timeline) throws java.io.IOException {
            ConnectorMetrics metrics = new ConnectorMetrics();
            timeline.ended("metrics");
            Readiness readiness = new Readiness();
            readiness.open("config", "config " + initial.digest() + " loaded");
            readiness.declare("tunnel", "WireGuard socket not bound yet");
            if (initial.config().egress().enforce()) {
                readiness.declare("egress", "egress IP not verified yet");
            }
            GuardedTimers timers = new GuardedTimers();
            DataPlane dataPlane = DataPlane.start(initial, options, new DataPlaneMetrics(metrics.registry()));
            timeline.ended("data plane");
            readiness.open("tunnel", "WireGuard bound on " + dataPlane.localAddress());
            // A worker that died forwards nothing: the pod must not stay ready (see docs/troubleshooting.md).
            EgressChecks egressChecks = new EgressChecks(initial.config().egress(), readiness, dataPlane);
            timeline.ended("egress client");
            readiness.watch("workers", () -> dataPlane.workerFailure().or(timers::failure)
                    .or(egressChecks::failure));
            ConfigWatcher watcher = new ConfigWatcher(args.config(), args.key(), initial, loaded -> {
                applyWhole(dataPlane, loaded);
                readiness.open("config", "config " + loaded.digest() + " loaded");
                egressChecks.configChanged(loaded.config().egress());
            }, metrics);
            int port = args.httpPort() != null ? args.httpPort() : initial.config().http().port();
            HttpEndpoints http;
            try {
                http = new HttpEndpoints(new InetSocketAddress(port), readiness, metrics,
                        () -> status(watcher, dataPlane));
            } catch (java.io.IOException | RuntimeException e) {
                egressChecks.close();
                dataPlane.close();
                throw e;
            }
            timeline.ended("http");
            // Registered once HTTP answers: only then can a probe see the connector ready.
            readiness.whenFirstReady(() -> {
                String line = timeline.readyOnce();
                if (line != null) {
                    LOG.log(System.Logger.Level.INFO, line);
                }
            });
            timers.scheduleWithFixedDelay(watcher::poll, RELOAD_PERIOD_MS, RELOAD_PERIOD_MS, TimeUnit.MILLISECONDS);
            ConnectorProcess process = new ConnectorProcess(http, timers, watcher, readiness, dataPlane,
                    egressChecks);
            egressChecks.start();
            LOG.log(System.Logger.Level.INFO, "connector {0}/{1} serving http on :{2}, WireGuard on {3}, {4} clients",
                    initial.config().namespace(), initial.config().name(), String.valueOf(http.port()),
                    String.valueOf(dataPlane.localAddress()), initial.config().clients() == null ? 0
                            : initial.config().clients().size());
            return process;
        }

        /** One egress check now, its result applied if the config still names what it checked (tests). */
        void checkEgress() {
            egressChecks.checkOnce();
        }

        /** Waits for the data plane to put {@code loaded} in force; any failure means it changed nothing. */
        private static void applyWhole(DataPlane dataPlane, LoadedConfig loaded) throws InvalidConfigException {
            try {
                dataPlane.apply(loaded).get(APPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof InvalidConfigException invalid) {
                    throw invalid;
                }
                LOG.log(System.Logger.Level.ERROR, "data plane could not apply config " + loaded.digest(), e.getCause());
                throw new InvalidConfigException(List.of(new ConfigProblem("$", null,
                        "the data plane could not apply it: " + e.getCause())));
            } catch (java.util.concurrent.TimeoutException e) {
                throw new InvalidConfigException(List.of(new ConfigProblem("$", null,
                        "the data plane did not apply it within " + APPLY_TIMEOUT_SECONDS + " s")));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InvalidConfigException(List.of(new ConfigProblem("$", null, "interrupted")));
            }
        }

        private static Map<String, Object> status(ConfigWatcher watcher, DataPlane dataPlane) {
            var config = watcher.current().config();
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("name", config.name());
            status.put("namespace", config.namespace());
            status.put("configDigest", dataPlane.configDigest());
            status.put("configError", watcher.lastError());
            ConfigWatcher.Waiting waiting = watcher.waiting();
            status.put("configWaiting", waiting == null ? null : Map.of("digest", String.valueOf(waiting.digest()),
                    "shards", waiting.shards().stream().map(p -> Map.of("shard", p.value(), "field", p.field(),
                            "reason", p.reason())).toList()));
            status.put("clients", config.clients() == null ? 0 : config.clients().size());
            status.put("elasticIP", config.egress().elasticIP());
            status.putAll(dataPlane.status());
            return status;
        }

        public int httpPort() {
            return http.port();
        }

        public Readiness readiness() {
            return readiness;
        }

        public ConfigWatcher watcher() {
            return watcher;
        }

        public DataPlane dataPlane() {
            return dataPlane;
        }

        GuardedTimers timers() {
            return timers;
        }

        /** Idempotent: the drain's end and the shutdown hook may both call it. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            timers.close();
            egressChecks.close();
            http.close();
            dataPlane.close();
        }
    }
}
