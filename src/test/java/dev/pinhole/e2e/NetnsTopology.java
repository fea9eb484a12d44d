package dev.pinhole.e2e;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The laptop/gw/natgw/saas namespaces of {@code test/netns/topology.sh}, under a random name prefix so parallel
 * runs never collide; commands run inside a namespace through {@code ip netns exec} because a JVM cannot enter
 * one. {@link #close()} tears everything down and is safe after a failed start.
 */
final class NetnsTopology implements AutoCloseable {
    private static final Path SCRIPT = Path.of("test/netns/topology.sh");
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    /** The gateway in namespace {@code gw}. */
    enum Gateway { JAVA("java"), WIREGUARD_GO("wg");
        final String flag;
        Gateway(String flag) { this.flag = flag; }
    }

    private final String prefix;
    private final Map<String, String> env;

    private NetnsTopology(String prefix, Map<String, String> env) {
        this.prefix = prefix;
        this.env = env;
    }

    /** Brings the topology up; the Java gateway runs on this JVM's java with this JVM's test classpath. */
    static NetnsTopology up(Gateway gateway) {
        return up(gateway, newPrefix(), Map.of());
    }

    /**
     * Brings the topology up under {@code prefix} with extra settings for topology.sh, e.g. {@code
     * PH_CONNECTOR_CONFIG}, {@code PH_CONNECTOR_KEY}, {@code PH_CLIENT_CONF} to run what the operator rendered.
     */
    static NetnsTopology up(Gateway gateway, String prefix, Map<String, String> settings) {
        Map<String, String> scriptEnv = scriptEnv(prefix);
        scriptEnv.putAll(settings);
        if (gateway == Gateway.JAVA) {
            scriptEnv.put("PH_JAVA", ProcessHandle.current().info().command().orElse("java"));
            scriptEnv.put("PH_CONNECTOR_CP", connectorClasspath());
        }
        CommandResult result = run(scriptEnv, Duration.ofMinutes(5),
                "bash", SCRIPT.toString(), "up", "--gateway", gateway.flag);
        if (result.exitCode() != 0) {
            run(scriptEnv, Duration.ofMinutes(1), "bash", SCRIPT.toString(), "down");
            throw new IllegalStateException("topology.sh up failed: " + result);
        }
        return new NetnsTopology(prefix, readEnv(Path.of("/tmp/pinhole-netns-" + prefix, "env")));
    }

    /** A value of the topology's env file, e.g. {@code NS_LAPTOP}, {@code ELASTIC_IP}, {@code STATE}. */
    String get(String key) {
        String value = env.get(key);
        if (value == null) {
            throw new IllegalArgumentException("topology env has no " + key);
        }
        return value;
    }

    Path stateFile(String name) {
        return Path.of(get("STATE"), name);
    }

    /** Runs a command inside the laptop namespace. */
    CommandResult inLaptop(Duration timeout, String... command) {
        return inNamespace(get("NS_LAPTOP"), timeout, command);
    }

    /** Runs a bash pipeline inside the laptop namespace. */
    CommandResult shellInLaptop(Duration timeout, String script) {
        return inLaptop(timeout, "bash", "-c", script);
    }

    CommandResult inNamespace(String namespace, Duration timeout, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return run(Map.of(), timeout, full.toArray(String[]::new));
    }

    /** Stops the gateway (SIGKILL) and starts it again with the same keys and config. */
    void killAndRestartGateway() {
        CommandResult result = run(scriptEnv(prefix), Duration.ofMinutes(3),
                "bash", SCRIPT.toString(), "restart-gateway", "--kill");
        if (result.exitCode() != 0) {
            throw new IllegalStateException("topology.sh restart-gateway failed: " + result);
        }
    }

    @Override
    public void close() {
        run(scriptEnv(prefix), Duration.ofMinutes(1), "bash", SCRIPT.toString(), "down");
    }

    private static Map<String, String> scriptEnv(String prefix) {
        Map<String, String> env = new HashMap<>();
        env.put("PH_PREFIX", prefix);
        return env;
    }

    /**
     * The connector's classpath while tests run: surefire's test classpath (main classes and dependencies), so
     * the test needs no packaged build.
     */
    private static String connectorClasspath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) {
            cp = System.getProperty("java.class.path");
        }
        return cp;
    }

    /** A fresh name prefix for the namespaces: {@code ph} and a random suffix, so parallel runs never collide. */
    static String newPrefix() {
        return "ph" + randomSuffix(5);
    }

    private static String randomSuffix(int length) {
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
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

    static CommandResult run(Map<String, String> extraEnv, Duration timeout, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(extraEnv);
        pb.environment().merge("PATH", "/usr/sbin:/sbin", (a, b) -> a + ":" + b);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                return new CommandResult(List.of(command), -1, out.join(), err.join() + "\n(killed after " + timeout + ")");
            }
            return new CommandResult(List.of(command), p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(unreadable: " + e.getMessage() + ")";
            }
        });
    }
}
