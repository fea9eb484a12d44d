package dev.pinhole.connector;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pinhole.connector.BoundedHttpListener.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The connector's HTTP listener: /healthz (process alive: every worker thread running), /readyz (every readiness gate open), /metrics
 * (Prometheus) and /status (JSON the operator reads into the AppConnector status; {@value #STATUS_WITHOUT_CLIENTS}
 * without the per-client part). Read-only; no request body is
 * ever parsed. Served by a {@link BoundedHttpListener}, so slow or idle peers cannot keep the probes waiting.
 */
public final class HttpEndpoints implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * /status without the per-client figures (about 350 bytes a client: 1.7 MB at 5,000 clients), what the operator
     * asks for: it reads only the egress, flow and name counts, and caps what it reads.
     */
    public static final String STATUS_WITHOUT_CLIENTS = "/status?clientStats=omit";

    private final BoundedHttpListener listener;

    public HttpEndpoints(InetSocketAddress bind, Readiness readiness, ConnectorMetrics metrics,
                         Supplier<Map<String, Object>> status) throws IOException {
        Map<String, Supplier<Response>> routes = new LinkedHashMap<>();
        routes.put("/healthz", () -> readiness.brokenWorker()
                .map(why -> Response.text(503, why + "\n"))
                .orElseGet(() -> Response.text(200, "ok\n")));
        routes.put("/readyz", () -> {
            Map<String, Object> body = new LinkedHashMap<>();
            boolean ready = readiness.ready();
            body.put("ready", ready);
            body.put("gates", readiness.snapshot());
            return json(ready ? 200 : 503, body);
        });
        routes.put("/metrics", () -> new Response(200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape().getBytes(StandardCharsets.UTF_8)));
        routes.put("/status", () -> json(200, status.get()));
        routes.put(STATUS_WITHOUT_CLIENTS, () -> {
            Map<String, Object> body = new LinkedHashMap<>(status.get());
            body.remove("clientStats");
            return json(200, body);
        });
        listener = new BoundedHttpListener(bind, routes, BoundedHttpListener.HttpLimits.defaults(),
                metrics::httpRefused);
    }

    public int port() {
        return listener.port();
    }

    private static Response json(int code, Object body) {
        try {
            return new Response(code, "application/json", JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        listener.close();
    }
}
