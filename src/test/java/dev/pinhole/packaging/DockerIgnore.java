package dev.pinhole.packaging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;

/**
 * The subset of .dockerignore semantics this repository uses: glob patterns relative to the context root, "!" to
 * re-include, the last matching pattern wins, and a matched directory covers everything below it.
 */
record DockerIgnore(List<String> patterns) {

    static DockerIgnore read(Path file) {
        try {
            return new DockerIgnore(Files.readAllLines(file).stream()
                    .map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean excludes(String relativePath) {
        String path = trimSlashes(relativePath);
        boolean excluded = false;
        for (String pattern : patterns) {
            boolean include = pattern.startsWith("!");
            String glob = trimSlashes(include ? pattern.substring(1) : pattern);
            if (matches(glob, path)) {
                excluded = !include;
            }
        }
        return excluded;
    }

    private static boolean matches(String glob, String path) {
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        // A pattern that matches a parent directory applies to everything inside it.
        for (Path p = Path.of(path); p != null; p = p.getParent()) {
            if (matcher.matches(p)) {
                return true;
            }
        }
        return false;
    }

    private static String trimSlashes(String s) {
        String t = s.startsWith("/") ? s.substring(1) : s;
        return t.endsWith("/") ? t.substring(0, t.length() - 1) : t;
    }
}
