package dev.pinhole.ipset.feed;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A real local feed server for tests: the JDK's HttpsServer with a self-signed certificate for feeds.test and
 * mirror.test made by keytool, and a plain HttpServer beside it, both on loopback (or a given address) and both
 * answering through one handler (each exchange on a thread of its own, so a slow answer holds up no other).
 */
public final class LocalFeedServer implements AutoCloseable {
    private final HttpsServer https;
    private final HttpServer http;
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final SSLContext clientTls;
    private final Certificate certificate;

    private LocalFeedServer(Path dir, HttpHandler handler, InetAddress bind, String san) throws IOException,
            GeneralSecurityException, InterruptedException {
        Path store = dir.resolve("feeds.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "feeds", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=feeds.test", "-ext", "SAN=" + san, "-validity", "2", "-keystore",
                store.toString(), "-storetype", "PKCS12", "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (keytool.waitFor() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        certificate = keys.getCertificate("feeds");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("feeds", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);

        https = HttpsServer.create(new InetSocketAddress(bind, 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        https.createContext("/", handler);
        https.setExecutor(handlers);
        https.start();
        http = HttpServer.create(new InetSocketAddress(bind, 0), 0);
        http.createContext("/", handler);
        http.setExecutor(handlers);
        http.start();
    }

    /** Starts both servers; the key store goes to {@code dir}. */
    public static LocalFeedServer start(Path dir, HttpHandler handler) throws Exception {
        return new LocalFeedServer(dir, handler, InetAddress.getLoopbackAddress(), "dns:feeds.test,dns:mirror.test");
    }

    /**
     * Starts both servers on {@code bind}, with a certificate for {@code san} (keytool's syntax, e.g.
     * "ip:192.0.2.2"): for a process elsewhere (the operator of the e2e suite) that reaches it by that address.
     */
    public static LocalFeedServer start(Path dir, HttpHandler handler, InetAddress bind, String san)
            throws Exception {
        return new LocalFeedServer(dir, handler, bind, san);
    }

    public int httpsPort() {
        return https.getAddress().getPort();
    }

    public int httpPort() {
        return http.getAddress().getPort();
    }

    /** A client TLS context trusting only this server's certificate. */
    public SSLContext clientTls() {
        return clientTls;
    }

    /** The server's certificate in PEM, as an admin would hand it to the operator as a CA file. */
    public String certificatePem() throws GeneralSecurityException {
        return "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(certificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    @Override
    public void close() {
        https.stop(0);
        http.stop(0);
        handlers.shutdownNow();
    }
}
