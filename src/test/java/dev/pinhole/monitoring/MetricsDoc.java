package dev.pinhole.monitoring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The tables of docs/metrics.md, each between {@code <!-- name -->} and {@code <!-- /name -->} markers. */
final class MetricsDoc {
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern LABEL = Pattern.compile("`([a-zA-Z_][a-zA-Z0-9_]*)`:");

    /** A row of the metrics table. */
    record Metric(String name, String type, Set<String> labels, Set<String> processes) {
    }

    /** A row of the standard-families table. */
    record Family(String prefix, Set<String> processes) {
    }

    private final String text;

    private MetricsDoc(String text) {
        this.text = text;
    }

    static MetricsDoc read(Path file) {
        try {
            return new MetricsDoc(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Metric> metrics() {
        List<Metric> metrics = new ArrayList<>();
        for (String[] cells : rows("metrics-table")) {
            Set<String> labels = new TreeSet<>();
            Matcher label = LABEL.matcher(cells[3]);
            while (label.find()) {
                labels.add(label.group(1));
            }
            metrics.add(new Metric(firstCode(cells[1]), cells[2].strip(), labels, words(cells[4])));
        }
        return metrics;
    }

    List<Family> families() {
        return rows("families-table").stream()
                .map(cells -> new Family(firstCode(cells[1]).replace("*", ""), words(cells[2])))
                .toList();
    }

    /** The first column's values of a table, e.g. the drop reasons. */
    Set<String> keys(String table) {
        Set<String> keys = new TreeSet<>();
        rows(table).forEach(cells -> keys.add(firstCode(cells[1])));
        return keys;
    }

    /** Rows of a marked table, split on unescaped pipes; header and separator rows skipped. */
    private List<String[]> rows(String table) {
        int start = text.indexOf("<!-- " + table + " -->");
        int end = text.indexOf("<!-- /" + table + " -->");
        if (start < 0 || end < start) {
            throw new IllegalStateException("docs/metrics.md has no <!-- " + table + " --> ... <!-- /" + table
                    + " --> markers");
        }
        List<String[]> rows = new ArrayList<>();
        for (String line : text.substring(start, end).split("\n")) {
            if (line.startsWith("| `")) {
                rows.add(line.split("(?<!\\\\)\\|"));
            }
        }
        return rows;
    }

    private static String firstCode(String cell) {
        Matcher code = CODE.matcher(cell);
        if (!code.find()) {
            throw new IllegalStateException("no `name` in table cell: " + cell);
        }
        return code.group(1);
    }

    private static Set<String> words(String cell) {
        Set<String> words = new TreeSet<>();
        for (String word : cell.split(",")) {
            if (!word.isBlank()) {
                words.add(word.strip());
            }
        }
        return words;
    }
}
