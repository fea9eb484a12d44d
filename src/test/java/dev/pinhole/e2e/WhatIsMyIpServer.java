package dev.pinhole.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * socat answering any GET with the caller's address, as a SaaS's "what is my IP" page. Its reply script and its log
 * live in a temporary folder of its own, which {@link #close()} removes after stopping socat and the children it
 * forked for open connections, so a run leaves nothing behind in /tmp.
 */
final class WhatIsMyIpServer implements AutoCloseable {
    private final Process process;
    private final Path dir;

    private WhatIsMyIpServer(Process process, Path dir) {
        this.process = process;
        this.dir = dir;
    }

    /** socat on {@code address:port}, started through {@code launcher} (e.g. {@code ip netns exec NS}; empty: here). */
    static WhatIsMyIpServer start(List<String> launcher, String address, int port) throws IOException {
        Path dir = Files.createTempDirectory("pinhole-saas");
        try {
            // A script file: socat's address syntax would take the shell's brackets and quotes apart.
            Path reply = dir.resolve("reply.sh");
            Files.writeString(reply, """
                    while read -r line && [ "${#line}" -gt 1 ]; do :; done
                    printf 'HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\n\\r\\n%s\\n' "$SOCAT_PEERADDR"
                    """);
            List<String> command = new ArrayList<>(launcher);
            command.addAll(List.of("socat", "TCP4-LISTEN:" + port + ",bind=" + address + ",reuseaddr,fork",
                    "EXEC:sh " + reply));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("socat.log").toFile());
            pb.environment().merge("PATH", "/usr/sbin:/sbin", (a, b) -> a + ":" + b);
            return new WhatIsMyIpServer(pb.start(), dir);
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    /** socat's process (the launcher's, which execs socat). */
    Process process() {
        return process;
    }

    /** The folder holding the reply script and socat's log; gone after {@link #close()}. */
    Path dir() {
        return dir;
    }

    /** Stops socat and its children (SIGKILL), then removes the folder. */
    @Override
    public void close() throws IOException, InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        children.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        deleteTree(dir);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
