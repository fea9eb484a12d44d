package dev.pinhole.e2e;

import java.util.List;

/** What a finished command printed and returned; exit code -1 when it was killed for running too long. */
record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {

    /** The last line of stdout without surrounding blanks: where curl's {@code -w} output lands. */
    String lastLine() {
        String trimmed = stdout.strip();
        int nl = trimmed.lastIndexOf('\n');
        return nl < 0 ? trimmed : trimmed.substring(nl + 1).strip();
    }

    @Override
    public String toString() {
        return String.join(" ", command) + " -> exit " + exitCode + "\n--- stdout:\n" + tail(stdout)
                + "\n--- stderr:\n" + tail(stderr);
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : "..." + s.substring(s.length() - 4000);
    }
}
