package dev.pinhole.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/** The SaaS nginx's access log (combined format: the client address comes first), searched by a probe marker. */
record AccessLog(Path file) {

    /** A marker to put in a request's query string so its log line can be found. */
    static String newProbe() {
        return "probe-" + UUID.randomUUID();
    }

    /** The source addresses nginx logged for requests carrying {@code probe}. */
    List<String> sourcesOf(String probe) {
        try {
            return Files.readAllLines(file).stream()
                    .filter(line -> line.contains(probe))
                    .map(line -> line.substring(0, line.indexOf(' ')))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
