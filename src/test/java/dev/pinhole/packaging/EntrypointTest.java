package dev.pinhole.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.operator.appconnector.ConnectorNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/pinhole starts each role with the exact JVM command line, observed through a stand-in java. */
class EntrypointTest {

    private static final Path SCRIPT = RepoLayout.ROOT.resolve("bin/pinhole");

    @TempDir
    Path home;
    private Path javaHome;

    @BeforeEach
    void standInJava() throws IOException {
        javaHome = home.resolve("jdk");
        Path java = javaHome.resolve("bin/java");
        Files.createDirectories(java.getParent());
        // Prints one argument per line, so the test sees exactly what the JVM would receive.
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(libDir());
        for (String lib : ConnectorLibraries.names()) {
            Files.writeString(libDir().resolve(lib + "-1.2.3.jar"), "jar");
        }
        // An operator library: in lib/main, never on the connector's class path.
        Files.writeString(libDir().resolve("io.fabric8.kubernetes-client-7.5.2.jar"), "jar");
    }

    private Path libDir() {
        return home.resolve("quarkus-app/lib/main");
    }

    /** The app's jars, then one jar per connector library in the script's order. */
    private String connectorClassPath() {
        StringBuilder cp = new StringBuilder(home.resolve("quarkus-app") + "/app/*");
        for (String lib : ConnectorLibraries.names()) {
            cp.append(':').append(libDir().resolve(lib + "-1.2.3.jar"));
        }
        return cp.toString();
    }

    private CommandResult run(String javaOpts, String... args) {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        return ExternalCommand.run(home, Duration.ofSeconds(30),
                Map.of("PINHOLE_HOME", home.toString(), "JAVA_HOME", javaHome.toString(), "JAVA_OPTS", javaOpts),
                command);
    }

    private static List<String> jvmArgs(CommandResult result) {
        assertThat(result.succeeded()).as(result.describe()).isTrue();
        return result.stdout().lines().toList();
    }

    @Test
    void scriptIsExecutable() {
        assertThat(Files.isExecutable(SCRIPT)).as("bin/pinhole must be executable (git update-index --chmod=+x)")
                .isTrue();
    }

    @Test
    void operatorRunsTheQuarkusRunnerWithJavaOpts() {
        List<String> args = jvmArgs(run("-Xmx64m -Dx=y", "operator", "--extra"));

        assertThat(args).containsExactly("-Xmx64m", "-Dx=y", "-jar",
                home.resolve("quarkus-app/quarkus-run.jar").toString(), "--extra");
    }

    @Test
    void connectorRunsItsMainClassWithTheMountedConfigByDefault() {
        List<String> args = jvmArgs(run("", "connector"));

        assertThat(args).containsExactly("--enable-native-access=ALL-UNNAMED", "-cp",
                connectorClassPath(), "dev.pinhole.connector.ConnectorMain",
                "--config", "/etc/pinhole/config/connector.json", "--key", "/etc/pinhole/key/privateKey");
    }

    @Test
    void connectorDefaultsAreThePathsTheOperatorMounts() {
        List<String> args = jvmArgs(run("", "connector"));

        assertThat(args).containsSubsequence("--config",
                ConnectorNames.CONFIG_DIR + "/" + ConnectorNames.CONFIG_FILE);
        assertThat(args).containsSubsequence("--key",
                ConnectorNames.KEY_DIR + "/" + ConnectorNames.KEY_SECRET_DATA);
    }

    @Test
    void connectorPassesExplicitArgumentsThrough() {
        List<String> args = jvmArgs(run("", "connector", "--config", "/tmp/c.json", "--check"));

        assertThat(args).endsWith("dev.pinhole.connector.ConnectorMain", "--config", "/tmp/c.json", "--check");
        assertThat(args).doesNotContain("/etc/pinhole/key/privateKey");
    }

    @Test
    void connectorStartsWithoutAnAotCacheWhenTheImageHasNone() {
        List<String> args = jvmArgs(run("-Xmx64m", "connector"));

        assertThat(args).noneMatch(a -> a.startsWith("-XX:AOTCache"));
        assertThat(args.subList(0, 2)).containsExactly("--enable-native-access=ALL-UNNAMED", "-Xmx64m");
    }

    @Test
    void connectorUsesTheTrainedAotCacheWhenPresent() throws IOException {
        Files.writeString(home.resolve("connector.aot"), "cache");

        List<String> args = jvmArgs(run("-Xmx64m", "connector"));

        assertThat(args).containsSubsequence("-XX:AOTCache=" + home.resolve("connector.aot"), "-Xmx64m", "-cp");
    }

    @Test
    void aotTrainingUsesTheConnectorsClassPathAndOptionsAndWritesTheCacheTheConnectorReads() {
        List<String> training = jvmArgs(run("-XX:+UseSerialGC", "aot-train"));

        // Native access as the connector has it: the cache is made for the options it is used with.
        assertThat(training).containsExactly("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:AOTCacheOutput=" + home.resolve("connector.aot"), "-cp", connectorClassPath(),
                "dev.pinhole.connector.AotTrainingRun");
        List<String> connector = jvmArgs(run("-XX:+UseSerialGC", "connector"));
        assertThat(connector).containsSubsequence("-cp", connectorClassPath());
    }

    @Test
    void connectorClassPathHoldsOnlyTheConnectorsLibraries() {
        CommandResult result = run("", "connector-classpath");

        assertThat(result.succeeded()).as(result.describe()).isTrue();
        assertThat(result.stdout().strip()).isEqualTo(connectorClassPath()).doesNotContain("fabric8");
    }

    @Test
    void connectorRefusesToStartWhenALibraryIsMissing() throws IOException {
        Files.delete(libDir().resolve("com.fasterxml.jackson.core.jackson-databind-1.2.3.jar"));

        CommandResult result = run("", "connector");

        assertThat(result.exitCode()).isEqualTo(70);
        assertThat(result.stderr()).contains("expected one com.fasterxml.jackson.core.jackson-databind-VERSION.jar");
        assertThat(result.stdout()).as("java must not be started").isEmpty();
    }

    @Test
    void connectorRefusesTwoVersionsOfOneLibrary() throws IOException {
        Files.writeString(libDir().resolve("io.micrometer.micrometer-core-9.9.9.jar"), "jar");

        CommandResult result = run("", "aot-train");

        assertThat(result.exitCode()).isEqualTo(70);
        assertThat(result.stderr()).contains("io.micrometer.micrometer-core-1.2.3.jar",
                "io.micrometer.micrometer-core-9.9.9.jar");
        assertThat(result.stdout()).isEmpty();
    }

    @Test
    void aLibraryNameIsNotAPrefixOfAnother() {
        // io.prometheus.simpleclient must not also pick io.prometheus.simpleclient_common-*.jar
        CommandResult result = run("", "connector-classpath");

        assertThat(result.stdout().split(":")).filteredOn(e -> e.contains("io.prometheus.simpleclient-"))
                .hasSize(1);
    }

    @Test
    void unknownRoleFailsWithUsage() {
        CommandResult result = run("", "proxy");

        assertThat(result.exitCode()).isEqualTo(64);
        assertThat(result.stderr()).contains("unknown role 'proxy'", "usage: pinhole operator|connector");
        assertThat(result.stdout()).isEmpty();
    }

    @Test
    void missingRoleFailsWithUsage() {
        CommandResult result = run("");

        assertThat(result.exitCode()).isEqualTo(64);
        assertThat(result.stderr()).contains("usage:");
    }
}
