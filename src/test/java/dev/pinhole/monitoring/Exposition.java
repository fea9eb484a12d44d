package dev.pinhole.monitoring;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a set of Prometheus text-format scrapes exports: metric families with their type (from {@code # TYPE}
 * lines), and every sample name with the values seen per label (a summary family {@code x} has samples
 * {@code x_count} and {@code x_sum}; a histogram adds {@code x_bucket}).
 */
final class Exposition {
    private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+\\S+.*$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Map<String, String> families = new TreeMap<>();
    private final Map<String, Map<String, Set<String>>> samples = new TreeMap<>();

    /** Parses and merges the given scrapes. */
    static Exposition of(Iterable<String> scrapes) {
        Exposition exposition = new Exposition();
        for (String scrape : scrapes) {
            exposition.add(scrape);
        }
        return exposition;
    }

    private void add(String scrape) {
        for (String line : scrape.split("\n")) {
            Matcher type = TYPE.matcher(line);
            if (type.matches()) {
                families.put(type.group(1), type.group(2));
                continue;
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                throw new IllegalArgumentException("not a Prometheus sample line: " + line);
            }
            Map<String, Set<String>> labels = samples.computeIfAbsent(sample.group(1), n -> new TreeMap<>());
            if (sample.group(3) != null) {
                Matcher label = LABEL.matcher(sample.group(3));
                while (label.find()) {
                    labels.computeIfAbsent(label.group(1), k -> new TreeSet<>()).add(label.group(2));
                }
            }
        }
    }

    /** Family name to Prometheus type (counter, gauge, summary, histogram). */
    Map<String, String> families() {
        return families;
    }

    /** Every sample name ({@code x_total}, {@code x_count}, {@code x_bucket}, ...). */
    Set<String> sampleNames() {
        return samples.keySet();
    }

    /** Label name to the values seen, over all samples of a family (its _count, _sum, _bucket too). */
    Map<String, Set<String>> labelsOf(String family) {
        Map<String, Set<String>> merged = new TreeMap<>();
        samples.forEach((name, labels) -> {
            if (name.equals(family) || (name.startsWith(family + "_") && !families.containsKey(name))) {
                labels.forEach((k, v) -> merged.computeIfAbsent(k, x -> new TreeSet<>()).addAll(v));
            }
        });
        return merged;
    }
}
