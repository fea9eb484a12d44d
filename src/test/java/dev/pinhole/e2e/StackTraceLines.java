package dev.pinhole.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Stack traces in an operator log: a frame ({@code \tat dev.pinhole...(File.java:12)}) or a {@code Caused by:}. User
 * input must never produce one: a refusal is a condition and at most one log line.
 */
final class StackTraceLines {
    private static final Pattern FRAME = Pattern.compile("^\\s+at [\\w.$/<>]+\\(.*\\)\\s*$|^Caused by: ");

    private StackTraceLines() {
    }

    /** The stack traces in {@code lines}, each with the two lines before its first frame (the message). */
    static List<String> in(List<String> lines) {
        List<String> traces = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (FRAME.matcher(lines.get(i)).find() && (i == 0 || !FRAME.matcher(lines.get(i - 1)).find())) {
                traces.add(String.join("\n", lines.subList(Math.max(0, i - 2), Math.min(lines.size(), i + 3))));
            }
        }
        return traces;
    }
}
