package dev.pinhole.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A shell command the harness names in an environment variable, for what a test cannot do through the Kubernetes
 * API on a cluster it did not build: test/kind/run.sh sets {@code PINHOLE_E2E_RESTART_APISERVER} and
 * {@code PINHOLE_E2E_AUDIT_LOG_COMMAND} to {@code docker exec} into the Kind control-plane node.
 */
record HarnessCommand(String variable, String command) {

    /** The command in {@code variable}, when set. */
    static Optional<HarnessCommand> fromEnv(String variable) {
        String command = System.getenv(variable);
        return command == null || command.isBlank() ? Optional.empty()
                : Optional.of(new HarnessCommand(variable, command));
    }

    /** Runs the command with {@code bash -c}; returns its stdout, throws with its output when it fails. */
    String run(Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("pinhole-harness", ".out");
        Path err = Files.createTempFile("pinhole-harness", ".err");
        try {
            Process p = new ProcessBuilder(List.of("bash", "-c", command))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(variable + " (" + command + ") timed out after " + timeout + ":\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(variable + " (" + command + ") exited " + p.exitValue() + ":\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
