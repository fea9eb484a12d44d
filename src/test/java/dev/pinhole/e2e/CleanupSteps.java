package dev.pinhole.e2e;

/**
 * A test's clean-up steps, each run whatever the others do: one that throws (a log that cannot be read, a script that
 * exits non-zero) must not leave what the later steps remove behind (a namespace with pods on a real node, a process
 * in a network namespace). The first failure is rethrown at the end with the later ones suppressed on it.
 */
final class CleanupSteps {
    /** One clean-up step; it may throw anything. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private Throwable first;

    /** Runs {@code step} now; a failure is kept for {@link #rethrowFirst()} and named on stderr. */
    void run(String what, Step step) {
        try {
            step.run();
        } catch (Throwable t) {
            System.err.println("clean-up step '" + what + "' failed: " + t);
            if (first == null) {
                first = t;
            } else if (first != t) {
                first.addSuppressed(t);
            }
        }
    }

    /** Throws the first step's failure (the later ones suppressed on it); returns when every step succeeded. */
    void rethrowFirst() throws Exception {
        if (first instanceof Exception e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
        if (first != null) {
            throw new IllegalStateException(first);
        }
    }
}
