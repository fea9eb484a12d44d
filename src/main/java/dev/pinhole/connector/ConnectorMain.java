package dev.pinhole.connector;

import dev.pinhole.connector.config.InvalidConfigException;
import dev.pinhole.connector.config.LoadedConfig;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Entry point of the connector role ({@code pinhole connector --config FILE --key FILE}): a plain Java process,
 * no Quarkus, no Kubernetes client. Exits 2 on bad arguments and 3 when the first config is invalid, so a
 * misconfigured pod crash-loops visibly instead of running without a config.
 */
public final class ConnectorMain {
    private static final System.Logger LOG = System.getLogger(ConnectorMain.class.getName());
    static final long RELOAD_PERIOD_MS = 2000;

    private ConnectorMain() {}

    public static void main(String[] argv) throws Exception {
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
            initial = LoadedConfig.load(args.config(), args.key());
        } catch (InvalidConfigException e) {
            System.err.println("invalid connector config: " + e.getMessage());
            System.exit(3);
            return;
        }
        ConnectorProcess process = ConnectorProcess.start(args, initial);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            process.close();
            stop.countDown();
        }, "connector-shutdown"));
        stop.await();
    }

    /** A running connector: its HTTP endpoints, readiness gates and config reloads. */
    public static final class ConnectorProcess implements AutoCloseable {
        private final HttpEndpoints http;
        private final ScheduledExecutorService timers;
        private final ConfigWatcher watcher;
        private final Readiness readiness;

        private ConnectorProcess(HttpEndpoints http, ScheduledExecutorService timers, ConfigWatcher watcher,
                                 Readiness readiness) {
            this.http = http;
            this.timers = timers;
            this.watcher = watcher;
            this.readiness = readiness;
        }

        public static ConnectorProcess start(ConnectorArgs args, LoadedConfig initial) throws java.io.IOException {
            ConnectorMetrics metrics = new ConnectorMetrics();
            Readiness readiness = new Readiness();
            readiness.open("config", "config " + initial.digest() + " loaded");
            ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "connector-timers");
                t.setDaemon(true);
                return t;
            });
            ConfigWatcher watcher = new ConfigWatcher(args.config(), args.key(), initial,
                    loaded -> readiness.open("config", "config " + loaded.digest() + " loaded"), metrics);
            int port = args.httpPort() != null ? args.httpPort() : initial.config().http().port();
            HttpEndpoints http = new HttpEndpoints(new InetSocketAddress(port), readiness, metrics,
                    () -> status(watcher));
            timers.scheduleWithFixedDelay(watcher::poll, RELOAD_PERIOD_MS, RELOAD_PERIOD_MS, TimeUnit.MILLISECONDS);
            LOG.log(System.Logger.Level.INFO, "connector {0}/{1} serving http on :{2} with {3} clients",
                    initial.config().namespace(), initial.config().name(), String.valueOf(http.port()),
                    initial.config().clients().size());
            return new ConnectorProcess(http, timers, watcher, readiness);
        }

        private static Map<String, Object> status(ConfigWatcher watcher) {
            var config = watcher.current().config();
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("name", config.name());
            status.put("namespace", config.namespace());
            status.put("configDigest", watcher.current().digest());
            status.put("configError", watcher.lastError());
            status.put("clients", config.clients().size());
            status.put("elasticIP", config.egress().elasticIP());
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

        @Override
        public void close() {
            timers.shutdownNow();
            http.close();
        }
    }
}
