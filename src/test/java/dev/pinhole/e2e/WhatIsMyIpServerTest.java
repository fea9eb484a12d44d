package dev.pinhole.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pinhole.testing.ToolRequired;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** The real-node test's "what is my IP" stand-in, run here on loopback: it answers, and closing it leaves nothing. */
@ToolRequired(value = "socat", installHint = "socat")
class WhatIsMyIpServerTest {

    @Test
    void closeStopsSocatAndTheChildServingAnOpenConnectionAndRemovesItsFiles() throws Exception {
        int port = ThreadLocalRandom.current().nextInt(30000, 40000);
        WhatIsMyIpServer server = WhatIsMyIpServer.start(List.of(), "127.0.0.1", port);
        List<ProcessHandle> children;
        HttpClient http = HttpClient.newHttpClient();
        try (Socket idle = new Socket()) {
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ip"))
                    .timeout(Duration.ofSeconds(5)).build();
            String body = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions().until(() -> http.send(get, HttpResponse.BodyHandlers.ofString()).body(),
                            b -> !b.isBlank());
            assertThat(body.strip()).isEqualTo("127.0.0.1");
            // A connection that never sends its request: socat's child for it waits in the reply script.
            idle.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            children = await().atMost(Duration.ofSeconds(10)).until(
                    () -> server.process().descendants().toList(), c -> !c.isEmpty());
            assertThat(server.dir().resolve("reply.sh")).exists();

            server.close();
        }

        assertThat(server.process().isAlive()).isFalse();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> assertThat(children).noneMatch(ProcessHandle::isAlive));
        assertThat(server.dir()).doesNotExist();
    }
}
