package dev.pinhole.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Two apps for access rules on the real node's internet (node.sh's {@code INET_NETNS}): "crm" at the internet host's
 * address and "code" at a second address this class adds there, both answering {@code GET /ip} with the caller's
 * address (crm's server is the test's own); a DNS server on the first address naming them {@code crm.apps.test} and
 * {@code code.apps.test} (the connector's upstream); and on crm a TCP stream that says {@code tick} every second, a
 * flow that stays open until something cuts it. {@link #close()} stops every process it started, by PID, and takes
 * the address away.
 */
final class InternetApps implements AutoCloseable {
    static final String CRM = "crm.apps.test";
    static final String CODE = "code.apps.test";
    private static final Duration CMD = Duration.ofSeconds(30);

    private final String netns;
    private final String codeIp;
    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> servers = new ArrayList<>();
    private final Path dir;
    private boolean addressAdded;

    private InternetApps(String netns, String codeIp, Path dir) {
        this.netns = netns;
        this.codeIp = codeIp;
        this.dir = dir;
    }

    /**
     * Starts code's server on {@code codeIp:httpPort}, the DNS server on {@code crmIp:53} and the ticking stream on
     * {@code crmIp:tickPort}; crm's HTTP server on {@code crmIp:httpPort} is the caller's.
     */
    static InternetApps start(String netns, String crmIp, String codeIp, int httpPort, int tickPort)
            throws IOException {
        InternetApps apps = new InternetApps(netns, codeIp, Files.createTempDirectory("pinhole-apps"));
        try {
            apps.exec("ip", "-n", netns, "addr", "add", codeIp + "/32", "dev", "br0");
            apps.addressAdded = true;
            apps.servers.add(WhatIsMyIpServer.start(List.of("ip", "netns", "exec", netns), codeIp, httpPort));
            apps.background("dnsmasq", "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
                    "--no-hosts", "--listen-address=" + crmIp, "--bind-interfaces", "--user=root",
                    "--pid-file=" + apps.dir.resolve("dnsmasq.pid"), "--log-queries", "--log-facility=-",
                    "--address=/" + CRM + "/" + crmIp, "--address=/" + CODE + "/" + codeIp);
            Path tick = apps.dir.resolve("tick.sh");
            Files.writeString(tick, "while echo tick; do sleep 1; done\n");
            apps.background("ticker", "socat", "TCP4-LISTEN:" + tickPort + ",bind=" + crmIp + ",reuseaddr,fork",
                    "EXEC:sh " + tick);
            apps.awaitListening("-Hlun", crmIp + ":53");
            apps.awaitListening("-Hltn", crmIp + ":" + tickPort);
            apps.awaitListening("-Hltn", codeIp + ":" + httpPort);
            return apps;
        } catch (IOException | RuntimeException e) {
            apps.close();
            throw e;
        }
    }

    private void exec(String... command) {
        CommandResult result = NetnsTopology.run(Map.of(), CMD, command);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(result.toString());
        }
    }

    private void background(String name, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        full.addAll(List.of(command));
        ProcessBuilder pb = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().merge("PATH", "/usr/sbin:/sbin", (a, b) -> a + ":" + b);
        processes.add(pb.start());
    }

    /** Waits until {@code ss FLAGS} in the namespace lists a socket bound to {@code address} (ip:port). */
    private void awaitListening(String flags, String address) {
        for (int i = 0; i < 100; i++) {
            CommandResult r = NetnsTopology.run(Map.of(), CMD, "ip", "netns", "exec", netns, "ss", flags);
            if (r.exitCode() == 0 && r.stdout().lines().anyMatch(l -> l.contains(" " + address + " "))) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("nothing listening on " + address + " (ss " + flags + "); logs in " + dir);
    }

    /** Stops the servers and their forked children (SIGKILL), removes the second address and the folder. */
    @Override
    public void close() {
        for (AutoCloseable server : servers) {
            try {
                server.close();
            } catch (Exception e) {
                System.err.println("stopping code's server: " + e);
            }
        }
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            try {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (addressAdded) {
            NetnsTopology.run(Map.of(), CMD, "ip", "-n", netns, "addr", "del", codeIp + "/32", "dev", "br0");
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("removing " + dir + ": " + e);
        }
    }
}
