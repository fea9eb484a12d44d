package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The connector runs with only bin/pinhole's connector libraries on its class path ({@link ConnectorLibraries}),
 * not all of lib/main: every class its code can reach, following every reference from its entry points through
 * the app's classes and those libraries (jdeps), must be on that class path. A library missing from the list would
 * otherwise surface as a NoClassDefFoundError on the first request that needs it, in a pod.
 */
class ConnectorClassPathTest {
    private static final Path APP_CLASSES = RepoLayout.ROOT.resolve("target/classes");
    /**
     * DatagramPortOpener loads the batched UDP port by name (it exists only when built on JDK 22+), so no reference
     * leads jdeps to it: it is an entry point of its own whenever the build has it.
     */
    private static final String BATCHED_PORT = "dev.pinhole.wireguard.udp.MmsgDatagramPort";
    private static final List<String> ENTRY_POINTS = entryPoints();

    private static List<String> entryPoints() {
        List<String> entries = new ArrayList<>(List.of("dev.pinhole.connector.ConnectorMain",
                "dev.pinhole.connector.AotTrainingRun"));
        // On JDK 17 its java.lang.foreign references are "not found" (and a stale build may still hold it): it is
        // followed on the JDKs that can load it, as .ci/run's JDK 25 pass does.
        boolean built = Runtime.version().feature() >= 22
                && Files.exists(APP_CLASSES.resolve(BATCHED_PORT.replace('.', '/') + ".class"));
        if (built) {
            entries.add(BATCHED_PORT);
        } else if ("1".equals(System.getenv("PINHOLE_REQUIRE_BATCHED_UDP"))) {
            throw new AssertionError("PINHOLE_REQUIRE_BATCHED_UDP=1 but " + BATCHED_PORT + " is not in "
                    + APP_CLASSES + ": build with JDK 22+");
        }
        return List.copyOf(entries);
    }
    /** One jdeps -verbose:class line: {@code   from.Class   -> to.Class   location} ("not found" when missing). */
    private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s+(.*)$");

    @Test
    void everyClassTheConnectorReachesIsOnItsClassPath() throws Exception {
        Map<String, String> missing = unreachable(jars(ConnectorLibraries.names()));

        assertThat(missing).as("classes the connector's code reaches (-> from which class) that are in none of"
                + " bin/pinhole's connector_libs: add their library to the list").isEmpty();
    }

    @Test
    void aLibraryLeftOutOfTheListIsFound() throws Exception {
        // Micrometer's timers keep their percentiles in HdrHistogram: reached through the metrics the connector keeps.
        List<String> withoutHdrHistogram = new ArrayList<>(ConnectorLibraries.names());
        withoutHdrHistogram.remove("org.hdrhistogram.HdrHistogram");

        Map<String, String> missing = unreachable(jars(withoutHdrHistogram));

        assertThat(missing.keySet()).anyMatch(c -> c.startsWith("org.HdrHistogram."));
    }

    /** Classes reachable from the entry points that no input holds, each with a class that refers to it. */
    private static Map<String, String> unreachable(List<Path> libraries) {
        List<String> args = new ArrayList<>(List.of("-verbose:class", "-filter:none", "--multi-release",
                String.valueOf(Runtime.version().feature()), APP_CLASSES.toString()));
        libraries.forEach(jar -> args.add(jar.toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ToolProvider.findFirst("jdeps").orElseThrow()
                .run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        assertThat(code).as("jdeps " + args + "\n" + err).isZero();
        Map<String, Set<String>> references = new HashMap<>();
        Set<String> notFound = new HashSet<>();
        out.toString().lines().forEach(line -> {
            Matcher m = EDGE.matcher(line);
            if (m.matches()) {
                references.computeIfAbsent(m.group(1), k -> new HashSet<>()).add(m.group(2));
                if (m.group(3).strip().equals("not found")) {
                    notFound.add(m.group(2));
                }
            }
        });
        assertThat(references).as("jdeps saw the connector's classes").containsKeys(ENTRY_POINTS.toArray(String[]::new));
        Map<String, String> missing = new TreeMap<>();
        Set<String> seen = new HashSet<>(ENTRY_POINTS);
        Deque<String> queue = new ArrayDeque<>(ENTRY_POINTS);
        while (!queue.isEmpty()) {
            String from = queue.pop();
            for (String to : references.getOrDefault(from, Set.of())) {
                if (notFound.contains(to)) {
                    missing.putIfAbsent(to, from);
                } else if (seen.add(to)) {
                    queue.push(to);
                }
            }
        }
        return missing;
    }

    /**
     * The jars of {@code names} (groupId.artifactId) on this test's class path: the ones Maven resolved for the
     * build, so the versions lib/main holds. Found through each jar's manifest, whatever form the class path has.
     */
    private static List<Path> jars(List<String> names) throws IOException, URISyntaxException {
        Map<String, Path> byName = new HashMap<>();
        for (URL manifest : Collections.list(ClassLoader.getSystemClassLoader().getResources("META-INF/MANIFEST.MF"))) {
            String url = manifest.toString();
            if (!url.startsWith("jar:file:")) {
                continue;
            }
            Path jar = Path.of(new java.net.URI(url.substring(4, url.indexOf("!/"))));
            Path artifactDir = jar.getParent() == null ? null : jar.getParent().getParent();
            if (artifactDir == null) {
                continue;
            }
            // ~/.m2/repository/com/fasterxml/jackson/core/jackson-core/2.21.2/jackson-core-2.21.2.jar
            String dotted = artifactDir.toString().replace('/', '.');
            for (String name : names) {
                String artifactId = artifactDir.getFileName().toString();
                if (dotted.endsWith("." + name) && jar.getFileName().toString().startsWith(artifactId + "-")) {
                    byName.put(name, jar);
                }
            }
        }
        assertThat(byName.keySet()).as("every connector library is on the test class path")
                .containsExactlyInAnyOrderElementsOf(names);
        return names.stream().map(byName::get).toList();
    }
}
