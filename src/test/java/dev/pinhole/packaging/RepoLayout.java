package dev.pinhole.packaging;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the repository's packaging files, found from the directory the tests run in. */
final class RepoLayout {

    static final Path ROOT = findRoot();
    static final Path CHART = ROOT.resolve("helm/pinhole");
    static final Path DEPLOY = ROOT.resolve("deploy");
    static final Path CRDS = ROOT.resolve("crds");
    static final Path CHART_CRDS = CHART.resolve("crds");
    static final Path EXAMPLES = ROOT.resolve("examples");

    private RepoLayout() {
    }

    private static Path findRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve("pom.xml")) && Files.isDirectory(candidate.resolve("hack"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no repository root (pom.xml + hack/) above " + dir);
    }
}
