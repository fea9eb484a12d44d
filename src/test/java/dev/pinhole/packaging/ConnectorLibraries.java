package dev.pinhole.packaging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The libraries bin/pinhole puts on the connector's class path ({@code connector_libs}: groupId.artifactId, as
 * Quarkus names the jars in lib/main), read from the script itself so the tests check what the image runs.
 */
final class ConnectorLibraries {
    private static final Pattern LIST = Pattern.compile("(?m)^connector_libs=\"([^\"]*)\"");

    private ConnectorLibraries() {
    }

    static List<String> names() {
        String script;
        try {
            script = Files.readString(RepoLayout.ROOT.resolve("bin/pinhole"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher m = LIST.matcher(script);
        if (!m.find()) {
            throw new IllegalStateException("bin/pinhole has no connector_libs=\"...\" list");
        }
        return m.group(1).lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }
}
