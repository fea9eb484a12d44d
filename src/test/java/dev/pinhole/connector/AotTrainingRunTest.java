package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image build's training run goes the whole way a pod's start goes: ready (egress verified), then each probe. */
class AotTrainingRunTest {

    @Test
    void aTrainingRunIsReadyThroughTheEgressCheckAndEveryEndpointAnswers() throws Exception {
        Map<String, Integer> answers = AotTrainingRun.run(Duration.ofSeconds(30));

        assertThat(answers).containsOnlyKeys(AotTrainingRun.ENDPOINTS);
        assertThat(answers).allSatisfy((path, code) -> assertThat(code).as(path).isEqualTo(200));
    }

    @Test
    void theImagesTrainingRunChecksTheEgressOverTlsAsAPodDoes() throws Exception {
        // Its own JVM, as the image build runs it: the trust store it sets must be the process's default.
        Process training = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), AotTrainingRun.class.getName())
                .redirectErrorStream(true).start();
        training.getOutputStream().close();
        String out = new String(training.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(training.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(training.exitValue()).as(out).isZero();
        assertThat(out).contains("ready (egress checked over https)", "/status=200");
    }

    @Test
    void withoutAKeytoolCertificateTheTrainingStillChecksOverHttp(@TempDir Path dir) throws Exception {
        // A file where keytool would write its keystore's directory: keytool fails, make() says so by being empty.
        Path notADirectory = dir.resolve("file");
        Files.writeString(notADirectory, "x");

        assertThat(AotTrainingRun.TrainingTls.make(notADirectory)).isEmpty();
    }
}
