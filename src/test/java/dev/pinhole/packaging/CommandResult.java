package dev.pinhole.packaging;

/** Exit code and output of one finished external command. */
record CommandResult(String command, int exitCode, String stdout, String stderr) {

    boolean succeeded() {
        return exitCode == 0;
    }

    /** A failure message that shows what ran and what it said. */
    String describe() {
        return command + " exited " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }
}
