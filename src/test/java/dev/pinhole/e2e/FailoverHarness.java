package dev.pinhole.e2e;

import dev.pinhole.connector.ConnectorArgs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Runs failover scenarios in the {@code test/netns/failover.sh} topology (two replicas behind a health-checking UDP
 * load balancer, a wireguard-go laptop running {@link FailoverProbe}) and measures each from the probe's logs and
 * the load balancer's events. Times are wall-clock milliseconds of one machine, so the logs of the namespaces
 * compare directly. {@link #close()} tears everything down.
 */
final class FailoverHarness implements AutoCloseable {
    private static final Path SCRIPT = Path.of("test/netns/failover.sh");
    /** The request loop's deadline per GET: a request slower than this counts as failed. */
    static final int REQUEST_TIMEOUT_MS = 2_000;
    static final int REQUEST_INTERVAL_MS = 100;
    /** How long a scenario waits for recovery before it gives up (generous: today's client timers need ~15 s). */
    static final Duration RECOVERY_BOUND = Duration.ofSeconds(60);

    /** What ends the serving replica. */
    enum Stop { KILL, TERM }

    /** One scenario: how the serving replica ends, and the arguments of the replica that takes over. */
    record Scenario(String name, Stop stop, List<String> survivorArgs) {}

    /**
     * One scenario's figures, seconds from the signal; empty when it did not happen within the run.
     *
     * @param restoredS       start of the first request after which none failed (0 when none failed)
     * @param udpResumedS     first echo of a datagram sent after the load balancer moved
     * @param udpLongestGapS  the longest time without an echo reply, from a second before the signal
     * @param failed          requests that failed (timeout, error, non-200), of {@code requests} started from 2 s
     *                        before the signal on
     * @param stoppedExitedS  seconds until a SIGTERM'd replica's process was gone (its drain); empty for SIGKILL
     * @param keepAliveEnd     how and when the keep-alive connection open across the signal ended ("reset at 0.81 s")
     * @param pinned          the same figures for the loops that keep the address resolved once ({@link Pinned})
     */
    record Result(Scenario scenario, OptionalDouble lbDetectedS, OptionalDouble firstSuccessS,
                  OptionalDouble restoredS, int failed, int requests, OptionalDouble udpResumedS,
                  double udpLongestGapS, OptionalDouble stoppedExitedS, String keepAliveEnd, Pinned pinned) {}

    /**
     * The request loop and UDP stream that resolved a name the config lists exactly once, before the signal, and
     * kept the address (as apps do): failed requests of those started from 2 s before the signal, the first
     * successful one after the signal, the first echo of a datagram sent after the load balancer moved.
     */
    record Pinned(int failed, int requests, OptionalDouble firstSuccessS, OptionalDouble udpResumedS) {}

    /** Listed exactly in failover.sh's config, each resolved once by the probe. */
    static final String PINNED_HOST = "pinned.saas.test";
    static final String PINNED_UDP_HOST = "echo.saas.test";

    private final String prefix;
    private final Map<String, String> scriptEnv;
    private final Path state;
    private final Map<String, String> env;

    private FailoverHarness(String prefix, Map<String, String> scriptEnv, Path state, Map<String, String> env) {
        this.prefix = prefix;
        this.scriptEnv = scriptEnv;
        this.state = state;
        this.env = env;
    }

    /** Brings the topology up with both replicas ready, replica a serving; the connectors run this JVM's classes. */
    static FailoverHarness up() {
        String prefix = "fo" + NetnsTopology.newPrefix().substring(2, 7);
        Map<String, String> scriptEnv = new HashMap<>();
        scriptEnv.put("PH_PREFIX", prefix);
        scriptEnv.put("PH_JAVA", javaCommand());
        scriptEnv.put("PH_CONNECTOR_CP", classpath());
        scriptEnv.put("PH_JAVA_OPTS", "-Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
        CommandResult result = NetnsTopology.run(scriptEnv, Duration.ofMinutes(5), "bash", SCRIPT.toString(), "up");
        if (result.exitCode() != 0) {
            NetnsTopology.run(scriptEnv, Duration.ofMinutes(1), "bash", SCRIPT.toString(), "down");
            throw new IllegalStateException("failover.sh up failed: " + result);
        }
        Path state = Path.of("/tmp/pinhole-failover-" + prefix);
        return new FailoverHarness(prefix, scriptEnv, state, readEnv(state.resolve("env")));
    }

    /** Whether this build's connector has session recovery (the {@code --session-recovery=off} switch). */
    static boolean sessionRecoveryBuiltIn() {
        try {
            ConnectorArgs.parse(List.of("--config", "c", "--key", "k", "--session-recovery=off"));
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    String get(String key) {
        return env.get(key);
    }

    /** Runs {@code scenario}: the standby restarted with its arguments, the serving replica stopped, measured. */
    Result run(Scenario scenario) throws Exception {
        String serving = serving();
        String standby = serving.equals("a") ? "b" : "a";
        List<String> start = new ArrayList<>(List.of("bash", SCRIPT.toString(), "start-replica", standby));
        start.addAll(scenario.survivorArgs());
        check(NetnsTopology.run(scriptEnv, Duration.ofMinutes(3), start.toArray(String[]::new)), "start-replica");
        awaitHealthyInLb(standby);
        awaitRequestsWork();

        Path dir = Files.createDirectories(state.resolve("probe-" + scenario.name().replaceAll("[^a-z0-9]+", "-")));
        Process probe = startProbe(dir);
        try {
            Thread.sleep(3_000);
            long pid = Long.parseLong(Files.readString(state.resolve("replica-" + serving + ".pid")).trim());
            ProcessHandle replica = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException(
                    "replica " + serving + " (pid " + pid + ") is not running"));
            java.util.concurrent.atomic.AtomicLong exitedAt = new java.util.concurrent.atomic.AtomicLong();
            Thread watcher = new Thread(() -> {
                while (replica.isAlive()) {
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                exitedAt.set(System.currentTimeMillis());
            }, "replica-exit-watch");
            watcher.setDaemon(true);
            watcher.start();
            check(NetnsTopology.run(scriptEnv, Duration.ofSeconds(30), "bash", SCRIPT.toString(), "stop-replica",
                    serving, scenario.stop().name()), "stop-replica");
            long t0 = signalledAt(serving);
            long deadline = t0 + RECOVERY_BOUND.toMillis();
            while (System.currentTimeMillis() < deadline && !recovered(dir, t0, lbSwitchAfter(t0))) {
                Thread.sleep(250);
            }
            Thread.sleep(3_000);
            long exitDeadline = t0 + (ConnectorArgs.DEFAULT_DRAIN.toSeconds() + 15) * 1000;
            while (exitedAt.get() == 0 && System.currentTimeMillis() < exitDeadline) {
                Thread.sleep(100);
            }
            // Only a SIGTERM'd replica's exit says something (its drain); a SIGKILL'd one is gone at once, and
            // polling a process that is not this JVM's child sees it only when its parent reaps it.
            OptionalDouble exited = exitedAt.get() == 0 || scenario.stop() == Stop.KILL ? OptionalDouble.empty()
                    : OptionalDouble.of((exitedAt.get() - t0) / 1000.0);
            Files.writeString(dir.resolve("stop"), "");
            probe.waitFor(REQUEST_TIMEOUT_MS + 10_000L, java.util.concurrent.TimeUnit.MILLISECONDS);
            return measure(scenario, dir, t0, exited);
        } finally {
            probe.destroyForcibly();
        }
    }

    private Result measure(Scenario scenario, Path dir, long t0, OptionalDouble exited) throws IOException {
        List<long[]> requests = new ArrayList<>();
        List<Boolean> ok = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("requests.log"))) {
            String[] f = line.split(" ");
            if (f.length == 3) {
                requests.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
                ok.add(f[2].equals("ok"));
            }
        }
        OptionalDouble firstSuccess = OptionalDouble.empty();
        int failed = 0;
        int counted = 0;
        long lastFailedStart = Long.MIN_VALUE;
        for (int i = 0; i < requests.size(); i++) {
            long start = requests.get(i)[0];
            long end = requests.get(i)[1];
            if (start >= t0 - 2_000) {
                counted++;
                if (!ok.get(i)) {
                    failed++;
                    lastFailedStart = Math.max(lastFailedStart, start);
                }
            }
            if (start >= t0 && ok.get(i)) {
                double s = (end - t0) / 1000.0;
                if (firstSuccess.isEmpty() || s < firstSuccess.getAsDouble()) {
                    firstSuccess = OptionalDouble.of(s);
                }
            }
        }
        Map<Long, Long> sent = new HashMap<>();
        for (String line : Files.readAllLines(dir.resolve("udp-sent.log"))) {
            String[] f = line.split(" ");
            if (f.length == 2) {
                sent.put(Long.parseLong(f[1]), Long.parseLong(f[0]));
            }
        }
        OptionalDouble switched = lbSwitchAfter(t0);
        long resumeFrom = t0 + (switched.isPresent() ? (long) (switched.getAsDouble() * 1000) : 0);
        OptionalDouble udp = OptionalDouble.empty();
        long previous = 0;
        long longestGap = 0;
        for (String line : Files.readAllLines(dir.resolve("udp-recv.log"))) {
            String[] f = line.split(" ");
            if (f.length != 2) {
                continue;
            }
            long at = Long.parseLong(f[0]);
            if (at >= t0 - 1_000 && previous != 0) {
                longestGap = Math.max(longestGap, at - previous);
            }
            previous = at;
            Long sentAt = sent.get(Long.parseLong(f[1]));
            if (udp.isEmpty() && sentAt != null && sentAt >= resumeFrom) {
                udp = OptionalDouble.of((at - t0) / 1000.0);
            }
        }
        OptionalDouble restored = OptionalDouble.of(0);
        if (failed > 0) {
            restored = OptionalDouble.empty();
            for (long[] r : requests) {
                if (r[0] > lastFailedStart) {
                    restored = OptionalDouble.of((r[0] - t0) / 1000.0);
                    break;
                }
            }
        }
        return new Result(scenario, switched, firstSuccess, restored, failed, counted, udp, longestGap / 1000.0,
                exited, keepAliveEnd(dir, t0), pinned(dir, t0, resumeFrom));
    }

    private static Pinned pinned(Path dir, long t0, long resumeFrom) throws IOException {
        int failed = 0;
        int counted = 0;
        OptionalDouble firstSuccess = OptionalDouble.empty();
        for (String line : lines(dir.resolve("pinned-requests.log"))) {
            String[] f = line.split(" ");
            if (f.length != 3 || Long.parseLong(f[0]) < t0 - 2_000) {
                continue;
            }
            counted++;
            boolean ok = f[2].equals("ok");
            failed += ok ? 0 : 1;
            long start = Long.parseLong(f[0]);
            if (ok && start >= t0 && firstSuccess.isEmpty()) {
                firstSuccess = OptionalDouble.of((Long.parseLong(f[1]) - t0) / 1000.0);
            }
        }
        Map<Long, Long> sent = new HashMap<>();
        for (String line : lines(dir.resolve("pinned-udp-sent.log"))) {
            String[] f = line.split(" ");
            if (f.length == 2) {
                sent.put(Long.parseLong(f[1]), Long.parseLong(f[0]));
            }
        }
        OptionalDouble udp = OptionalDouble.empty();
        for (String line : lines(dir.resolve("pinned-udp-recv.log"))) {
            String[] f = line.split(" ");
            Long sentAt = f.length == 2 ? sent.get(Long.parseLong(f[1])) : null;
            if (sentAt != null && sentAt >= resumeFrom) {
                udp = OptionalDouble.of((Long.parseLong(f[0]) - t0) / 1000.0);
                break;
            }
        }
        return new Pinned(failed, counted, firstSuccess, udp);
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    /** When failover.sh sent its last signal to {@code replica} (it logs the time just before kill). */
    private long signalledAt(String replica) throws IOException {
        List<String> lines = Files.readAllLines(state.resolve("replica-" + replica + ".signals"));
        return (long) (Double.parseDouble(lines.get(lines.size() - 1).split(" ")[0]) * 1000);
    }

    private static String keepAliveEnd(Path dir, long t0) throws IOException {
        Path log = dir.resolve("keepalive.log");
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        for (String line : lines) {
            String[] f = line.split(" ");
            if (f.length == 2 && !f[1].equals("started")) {
                return String.format(Locale.ROOT, "%s at %.2f s", f[1], (Long.parseLong(f[0]) - t0) / 1000.0);
            }
        }
        return lines.isEmpty() ? "never started" : "still open";
    }

    private OptionalDouble lbSwitchAfter(long t0) throws IOException {
        for (String line : Files.readAllLines(state.resolve("lb.events"))) {
            String[] f = line.split(" ");
            if (f.length >= 2 && f[1].equals("switch")) {
                long at = (long) (Double.parseDouble(f[0]) * 1000);
                if (at >= t0) {
                    return OptionalDouble.of((at - t0) / 1000.0);
                }
            }
        }
        return OptionalDouble.empty();
    }

    /**
     * Recovered: the load balancer moved, then a request started after the move succeeded and an echo came back
     * more than half a second after it.
     */
    private static boolean recovered(Path dir, long t0, OptionalDouble switchedS) throws IOException {
        if (switchedS.isEmpty()) {
            return false;
        }
        long switched = t0 + (long) (switchedS.getAsDouble() * 1000);
        boolean request = Files.readAllLines(dir.resolve("requests.log")).stream().map(l -> l.split(" "))
                .anyMatch(f -> f.length == 3 && Long.parseLong(f[0]) >= switched && f[2].equals("ok"));
        if (!request) {
            return false;
        }
        List<String> recv = Files.readAllLines(dir.resolve("udp-recv.log"));
        return !recv.isEmpty() && Long.parseLong(recv.get(recv.size() - 1).split(" ")[0]) > switched + 500;
    }

    private Process startProbe(Path dir) throws IOException {
        List<String> command = List.of("ip", "netns", "exec", get("NS_LAPTOP"), javaCommand(), "-Xmx64m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath(), FailoverProbe.class.getName(),
                dir.toString(), "app.saas.test", String.valueOf(REQUEST_TIMEOUT_MS),
                String.valueOf(REQUEST_INTERVAL_MS), get("SAAS_UDP_IP"), "7", get("TUNNEL_ADDR"), PINNED_HOST,
                PINNED_UDP_HOST);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("probe.log").toFile()).start();
    }

    private String serving() throws IOException {
        return Files.readString(state.resolve("lb.serving")).trim();
    }

    /** Waits until the load balancer's health checker has seen {@code replica} ready (two intervals). */
    private void awaitHealthyInLb(String replica) throws InterruptedException {
        double interval = Double.parseDouble(get("LB_INTERVAL"));
        Thread.sleep((long) (interval * 2_000) + 200);
    }

    /** A few GETs through the tunnel until one succeeds: the serving replica has the client's session. */
    private void awaitRequestsWork() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        CommandResult last = null;
        while (System.currentTimeMillis() < deadline) {
            last = NetnsTopology.run(Map.of(), Duration.ofSeconds(10), "ip", "netns", "exec", get("NS_LAPTOP"),
                    "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3",
                    "http://app.saas.test/");
            if (last.lastLine().equals("200")) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("no request through the tunnel worked before the scenario: " + last);
    }

    /** The scenarios as a Markdown table. */
    static String table(List<Result> results, String machine) {
        StringBuilder sb = new StringBuilder();
        sb.append("| scenario | LB detection | first successful new request | no failure from | failed requests"
                + " | UDP echo resumed | longest UDP gap | open keep-alive connection | stopped replica gone"
                + " | address kept (exact name): failed requests | first success | UDP echo resumed |\n"
                + "|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            sb.append("| ").append(r.scenario().name()).append(" | ").append(seconds(r.lbDetectedS()))
                    .append(" | ").append(seconds(r.firstSuccessS())).append(" | ").append(seconds(r.restoredS()))
                    .append(" | ").append(r.failed()).append(" of ")
                    .append(r.requests()).append(" | ").append(seconds(r.udpResumedS())).append(" | ")
                    .append(seconds(OptionalDouble.of(r.udpLongestGapS()))).append(" | ")
                    .append(r.keepAliveEnd()).append(" | ")
                    .append(r.scenario().stop() == Stop.KILL ? "—" : seconds(r.stoppedExitedS())).append(" | ")
                    .append(r.pinned().failed()).append(" of ").append(r.pinned().requests()).append(" | ")
                    .append(seconds(r.pinned().firstSuccessS())).append(" | ")
                    .append(seconds(r.pinned().udpResumedS())).append(" |\n");
        }
        sb.append("\nSeconds from the signal. ").append(machine).append('\n');
        return sb.toString();
    }

    private static String seconds(OptionalDouble s) {
        return s.isPresent() ? String.format(Locale.ROOT, "%.2f s", s.getAsDouble()) : "never";
    }

    private static void check(CommandResult r, String what) {
        if (r.exitCode() != 0) {
            throw new IllegalStateException("failover.sh " + what + " failed: " + r);
        }
    }

    /** Copies the run's logs (probe, load balancer, replicas) to {@code target} for reading after the run. */
    void keepLogs(Path target) throws IOException {
        Files.createDirectories(target);
        try (var files = Files.walk(state)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = state.relativize(f).toString();
                if (Files.isRegularFile(f) && (name.endsWith(".log") || name.endsWith(".events")
                        || name.endsWith(".signals"))) {
                    Path to = target.resolve(name.replace('/', '_'));
                    Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Override
    public void close() {
        NetnsTopology.run(scriptEnv, Duration.ofMinutes(1), "bash", SCRIPT.toString(), "down");
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp == null || cp.isBlank() ? System.getProperty("java.class.path") : cp;
    }

    private static Map<String, String> readEnv(Path file) {
        try {
            Map<String, String> env = new HashMap<>();
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    env.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return env;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "FailoverHarness[" + prefix + "]";
    }
}
