package dev.pinhole.connector;

import dev.pinhole.connector.config.LoadedConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The image build's training run for the connector's ahead-of-time cache (JDK 25, JEP 483/514/515): once, what a
 * pod does from process start to its first probe answers, so that the cache holds those classes loaded and linked
 * and their early method profiles. A connector on ephemeral loopback ports with a throwaway key and config (egress
 * enforced, as the CRD's default, and verified against a what-is-my-IP answer served here) is started, waited for
 * until ready, asked each HTTP endpoint once, and closed.
 *
 * <p>Run by {@code bin/pinhole aot-train FILE} with the connector's class path and JVM options plus
 * {@code -XX:AOTCacheOutput=FILE}; the JVM writes the cache when this exits.
 */
public final class AotTrainingRun {
    static final String ELASTIC_IP = "203.0.113.10";
    static final List<String> ENDPOINTS = List.of("/healthz", "/readyz", "/metrics", "/status");
    /** The README's example client key: nobody connects, the peer only has to be configured. */
    private static final String CLIENT_KEY = "tUrchOXyQxlH4oPOGdN545eMLqAdI6re/uB6NZ1tdRc=";
    private static final String CONFIG = """
            {
              "format" : "pinhole.dev/connector-config/v1",
              "name" : "aot-training",
              "namespace" : "pinhole-image-build",
              "tunnel" : { "address" : "100.96.0.1/24", "listenPort" : 51820, "mtu" : 1420,
                           "appRange" : "100.80.0.0/12" },
              "clients" : [ { "name" : "laptop", "publicKey" : "%s", "address" : "100.96.0.2/32" } ],
              "domains" : [ "app.example.com", "*.example.org" ],
              "routes" : [ "198.51.100.0/24" ],
              "egress" : { "elasticIP" : "%s", "verifyUrl" : "%s", "enforce" : true },
              "dns" : { "upstream" : [ "127.0.0.1" ] },
              "http" : { "port" : 0 }
            }
            """;

    private AotTrainingRun() {}

    public static void main(String[] argv) throws Exception {
        System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        Path dir = Files.createTempDirectory("pinhole-aot-training-tls");
        Map<String, Integer> answers;
        try {
            // Over TLS as a pod checks a public checkip service: its first handshake (trust store, key exchange,
            // certificate checks) is most of a pod's first egress check, 372 ms untrained against 28 over http.
            Optional<TrainingTls> tls = TrainingTls.make(dir);
            tls.ifPresentOrElse(TrainingTls::trustForThisProcess, () -> System.out.println(
                    "AOT training run: no keytool certificate, the egress check is trained over http"));
            answers = run(Duration.ofSeconds(60), tls);
            System.out.println("AOT training run: ready (egress checked over " + (tls.isPresent() ? "https" : "http")
                    + "), endpoints answered " + answers);
        } finally {
            TrainingTls.delete(dir);
        }
        System.exit(answers.values().stream().allMatch(code -> code == 200) ? 0 : 1);
    }

    /** As {@link #run(Duration, Optional)} with the egress check over plain http. */
    static Map<String, Integer> run(Duration timeout) throws Exception {
        return run(timeout, Optional.empty());
    }

    /**
     * Starts a connector, waits until it is ready (at most {@code timeout}), asks each of {@link #ENDPOINTS} once and
     * closes it; returns each endpoint's HTTP status. Throws when it never became ready. With {@code tls} the verify
     * URL is https, served under its certificate (which this process's default trust store must hold).
     */
    static Map<String, Integer> run(Duration timeout, Optional<TrainingTls> tls) throws Exception {
        Path dir = Files.createTempDirectory("pinhole-aot-training");
        Path config = dir.resolve("connector.json");
        Path key = dir.resolve("privateKey");
        try (WhatIsMyIp verify = new WhatIsMyIp(ELASTIC_IP, tls)) {
            Files.writeString(config, CONFIG.formatted(CLIENT_KEY, ELASTIC_IP, verify.url()));
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            Files.writeString(key, Base64.getEncoder().encodeToString(secret));
            ConnectorArgs args = ConnectorArgs.parse(List.of("--config", config.toString(), "--key", key.toString(),
                    "--http-port", "0", "--listen-port", "0", "--drain-seconds", "0"));
            try (var process = ConnectorMain.ConnectorProcess.start(args, LoadedConfig.load(config, key))) {
                long deadline = System.nanoTime() + timeout.toNanos();
                while (!process.readiness().ready()) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("the training connector was not ready within " + timeout
                                + ": " + process.readiness().snapshot());
                    }
                    Thread.sleep(5);
                }
                Map<String, Integer> answers = new LinkedHashMap<>();
                for (String path : ENDPOINTS) {
                    answers.put(path, get(process.httpPort(), path));
                }
                return answers;
            }
        } finally {
            Files.deleteIfExists(config);
            Files.deleteIfExists(key);
            Files.deleteIfExists(dir);
        }
    }

    /** One HTTP/1.1 GET on loopback, as a kubelet probe would send it; the status code of the answer. */
    private static int get(int port, String path) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            String[] statusLine = answer.lines().findFirst().orElse("").split(" ");
            return statusLine.length > 1 ? Integer.parseInt(statusLine[1]) : -1;
        }
    }

    /**
     * TLS for the training's what-is-my-IP service: a throwaway certificate for 127.0.0.1 made by the JDK's own
     * keytool (the image's JRE has it), and a trust store holding the JDK's cacerts plus that certificate, so the
     * connector's HTTP client loads a trust store of a pod's size and then trusts the training's service.
     */
    record TrainingTls(SSLContext server, Path trustStore) {
        private static final String PASSWORD = "pinhole-training";

        /** Empty when keytool is missing or fails: the training then checks over http (a slower first check). */
        static Optional<TrainingTls> make(Path dir) {
            Path javaHome = Path.of(System.getProperty("java.home"));
            Path keytool = javaHome.resolve("bin/keytool");
            Path serverStore = dir.resolve("server.p12");
            Path trustStore = dir.resolve("trust.p12");
            try {
                Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-keystore", serverStore.toString(),
                        "-storetype", "PKCS12", "-storepass", PASSWORD, "-alias", "what-is-my-ip", "-keyalg", "EC",
                        "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1",
                        "-validity", "2").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    return Optional.empty();
                }
                KeyStore server = KeyStore.getInstance(serverStore.toFile(), PASSWORD.toCharArray());
                KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(server, PASSWORD.toCharArray());
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(keys.getKeyManagers(), null, null);
                KeyStore trust = KeyStore.getInstance(javaHome.resolve("lib/security/cacerts").toFile(),
                        "changeit".toCharArray());
                trust.setCertificateEntry("pinhole-training", server.getCertificate("what-is-my-ip"));
                try (OutputStream out = Files.newOutputStream(trustStore)) {
                    trust.store(out, PASSWORD.toCharArray());
                }
                return Optional.of(new TrainingTls(context, trustStore));
            } catch (IOException | GeneralSecurityException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }

        /** Makes the trust store this process's default: before anything has built the default TLS context. */
        void trustForThisProcess() {
            System.setProperty("javax.net.ssl.trustStore", trustStore.toString());
            System.setProperty("javax.net.ssl.trustStorePassword", PASSWORD);
        }

        static void delete(Path dir) throws IOException {
            for (String name : List.of("server.p12", "trust.p12")) {
                Files.deleteIfExists(dir.resolve(name));
            }
            Files.deleteIfExists(dir);
        }
    }

    /** A what-is-my-IP service on loopback that answers every request with one address. */
    private static final class WhatIsMyIp implements AutoCloseable {
        private final ServerSocket server;
        private final byte[] answer;

        private final boolean https;

        WhatIsMyIp(String address, Optional<TrainingTls> tls) throws IOException {
            https = tls.isPresent();
            server = tls.isPresent() ? tls.get().server().getServerSocketFactory().createServerSocket()
                    : new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            String body = address + "\n";
            answer = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
            Thread thread = new Thread(this::serve, "aot-training-what-is-my-ip");
            thread.setDaemon(true);
            thread.start();
        }

        String url() {
            return (https ? "https" : "http") + "://127.0.0.1:" + server.getLocalPort() + "/ip";
        }

        private void serve() {
            while (!server.isClosed()) {
                try (Socket client = server.accept()) {
                    client.setSoTimeout(10_000);
                    skipRequestHead(client.getInputStream());
                    OutputStream out = client.getOutputStream();
                    out.write(answer);
                    out.flush();
                } catch (IOException closedOrBroken) {
                    // closed: the loop ends; a broken request: the verifier sees the failure and retries
                }
            }
        }

        /** Reads up to the blank line that ends the request head (a GET has no body). */
        private static void skipRequestHead(InputStream in) throws IOException {
            int last4 = 0;
            for (int b = in.read(); b >= 0; b = in.read()) {
                last4 = (last4 << 8) | b;
                if (last4 == 0x0d0a0d0a) {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
