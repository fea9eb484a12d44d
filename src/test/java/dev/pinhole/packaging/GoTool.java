package dev.pinhole.packaging;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Locates a pinned Go-built tool (a row of hack/tools.versions) through hack/go-tool.sh, building it on first use. */
final class GoTool {

    /** The first build downloads modules and compiles; later calls hit the cache in ~/.cache/pinhole/bin. */
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);
    private static final Map<String, Path> LOCATED = new ConcurrentHashMap<>();

    private GoTool() {
    }

    static Path path(String name) {
        return LOCATED.computeIfAbsent(name, GoTool::locate);
    }

    private static Path locate(String name) {
        CommandResult result = ExternalCommand.run(RepoLayout.ROOT, BUILD_TIMEOUT,
                List.of("bash", RepoLayout.ROOT.resolve("hack/go-tool.sh").toString(), name));
        if (!result.succeeded()) {
            throw new AssertionError("hack/go-tool.sh " + name + " failed (needs Go and the Go module proxy)\n"
                    + result.describe());
        }
        String[] lines = result.stdout().strip().split("\n");
        Path tool = Path.of(lines[lines.length - 1].strip());
        if (!Files.isExecutable(tool)) {
            throw new AssertionError("hack/go-tool.sh " + name + " printed " + tool + ", which is not executable");
        }
        return tool;
    }
}
