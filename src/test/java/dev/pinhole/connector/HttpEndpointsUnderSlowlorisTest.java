package dev.pinhole.connector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.testing.Adversarial;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP port from the side of a peer that may reach it (a pod in an allowed namespace, or the node): idle and
 * slow connections must not keep the kubelet's probes from an answer within their one-second timeout, and a huge
 * request costs a refusal, not memory.
 */
@Adversarial
class HttpEndpointsUnderSlowlorisTest {
    /** The kubelet's default probe timeout (DesiredDeployment sets none, so 1 s applies). */
    private static final int PROBE_TIMEOUT_MS = 1000;

    private HttpEndpoints http;
    private final List<Socket> attackers = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        Readiness readiness = new Readiness();
        readiness.open("config", "loaded");
        http = new HttpEndpoints(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), readiness,
                new ConnectorMetrics(), () -> Map.of("name", "demo"));
    }

    @AfterEach
    void stop() {
        for (Socket s : attackers) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed by the server
            }
        }
        http.close();
    }

    @Test
    void probesAnswerWhileHundredsOfIdleAndHalfSentRequestsAreHeldOpen() throws Exception {
        for (int i = 0; i < 200; i++) {
            attackers.add(connect()); // connected, never sends a byte
        }
        for (int i = 0; i < 200; i++) {
            Socket s = connect(); // a request line and part of the headers, never the blank line that ends them
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            attackers.add(s);
        }

        assertThat(get("/healthz")).startsWith("HTTP/1.1 200");
        assertThat(get("/readyz")).startsWith("HTTP/1.1 200");
    }

    @Test
    void probesStillAnswerAfterTheSlowConnectionsHaveDrippedForLongerThanTheRequestDeadline() throws Exception {
        List<OutputStream> dripping = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Socket s = connect();
            attackers.add(s);
            s.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            dripping.add(s.getOutputStream());
        }
        long end = System.nanoTime() + 6_000_000_000L;
        while (System.nanoTime() < end) {
            for (OutputStream out : dripping) {
                try {
                    out.write('a'); // one header byte at a time: never a complete request
                    out.flush();
                } catch (IOException closedByTheServer) {
                    // the server gave up on it: what it should do
                }
            }
            assertThat(get("/healthz")).startsWith("HTTP/1.1 200");
            Thread.sleep(500);
        }
    }

    @Test
    void aRequestLargerThanTheHeaderCapIsRefusedWithoutReadingItAll() throws Exception {
        try (Socket s = connect()) {
            s.setSoTimeout(PROBE_TIMEOUT_MS * 5);
            OutputStream out = s.getOutputStream();
            out.write("GET /status HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] header = ("X-Pad: " + "a".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            try {
                for (int i = 0; i < 1024; i++) { // 1 MiB of headers, never ended
                    out.write(header);
                }
            } catch (IOException closedByTheServer) {
                // the server stopped reading: fine, the answer is what matters
            }
            String answer = readAll(s.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 431");
        }
        assertThat(get("/healthz")).startsWith("HTTP/1.1 200");
    }

    @Test
    void connectionsRefusedForAnOversizedHeadCannotHoldEverySlot() throws Exception {
        byte[] head = ("GET / HTTP/1.1\r\nX-Pad: " + "a".repeat(9000)).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 200; i++) {
            Socket s = connect(); // 431, then silent: it neither sends more nor closes
            attackers.add(s);
            try {
                s.getOutputStream().write(head);
                s.getOutputStream().flush();
            } catch (IOException closedByTheServer) {
                // evicted already: what it should do
            }
        }
        Thread.sleep(200); // every head read and answered: the attackers now only hold their slots

        assertThat(get("/healthz")).startsWith("HTTP/1.1 200");
        assertThat(get("/readyz")).startsWith("HTTP/1.1 200");
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), http.port()), PROBE_TIMEOUT_MS);
        return s;
    }

    /** One request as the kubelet sends it, answered in full within the probe timeout or a failure. */
    private String get(String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), http.port()), PROBE_TIMEOUT_MS);
            s.setSoTimeout(PROBE_TIMEOUT_MS);
            long deadline = System.nanoTime() + PROBE_TIMEOUT_MS * 1_000_000L;
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: kube-probe/1.31\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(s.getInputStream());
            assertThat(System.nanoTime()).as("answered within the probe timeout").isLessThan(deadline);
            return answer;
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                all.write(buf, 0, n);
            }
        } catch (java.net.SocketException resetAfterTheAnswer) {
            // a server that refuses a request it did not read in full may reset after its answer
        }
        return all.toString(StandardCharsets.US_ASCII);
    }
}
