package dev.pinhole.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** Lines of an operator log that report a refused API call: Fabric8 names every 403 "Forbidden". */
final class ForbiddenLogLines {
    private static final Pattern FORBIDDEN = Pattern.compile("(?i)\\bforbidden\\b|\\bcode[=:\\s]+403\\b");

    private ForbiddenLogLines() {
    }

    static List<String> in(Path log) {
        try {
            return of(Files.readAllLines(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> of(List<String> lines) {
        return lines.stream().filter(l -> FORBIDDEN.matcher(l).find()).toList();
    }
}
