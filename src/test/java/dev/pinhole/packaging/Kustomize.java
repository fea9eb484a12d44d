package dev.pinhole.packaging;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** Builds a kustomization with `kubectl kustomize` when kubectl is installed, else with the pinned kustomize. */
final class Kustomize {

    private Kustomize() {
    }

    static Manifests build(Path dir) {
        List<String> command = kubectl()
                .map(kubectl -> List.of(kubectl.toString(), "kustomize", dir.toString()))
                .orElseGet(() -> List.of(GoTool.path("kustomize").toString(), "build", dir.toString()));
        CommandResult result = ExternalCommand.run(RepoLayout.ROOT, Duration.ofMinutes(2), command);
        if (!result.succeeded()) {
            throw new AssertionError(result.describe());
        }
        return Manifests.parse(result.stdout());
    }

    private static Optional<Path> kubectl() {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(File.pathSeparator))
                .filter(entry -> !entry.isEmpty())
                .map(entry -> Path.of(entry, "kubectl"))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
