package dev.pinhole.operator.appconnector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads what connector pods report on their /status endpoint (observed egress IP, flows, mapped names). Pods
 * that do not answer within the timeout are left out: a silent pod proves nothing, so it never counts as verified.
 */
public final class ConnectorReports {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One pod's report. */
    public record Report(String pod, String observedEgressIP, boolean egressVerified, long activeFlows,
                         long mappedNames) {}

    private final HttpClient http;
    private final Duration timeout;

    public ConnectorReports(Duration timeout) {
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.timeout = timeout;
    }

    public List<Report> collect(List<Pod> pods, int port) {
        List<CompletableFuture<Optional<Report>>> pending = new ArrayList<>();
        for (Pod pod : pods) {
            String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
            if (ip == null || ip.isEmpty()) {
                continue;
            }
            String host = ip.contains(":") ? "[" + ip + "]" : ip;
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/status"))
                    .timeout(timeout).GET().build();
            pending.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .thenApply(r -> r.statusCode() == 200 ? parse(pod.getMetadata().getName(), r.body())
                            : Optional.<Report>empty())
                    .exceptionally(e -> Optional.empty()));
        }
        List<Report> reports = new ArrayList<>();
        for (var f : pending) {
            try {
                f.get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS).ifPresent(reports::add);
            } catch (Exception e) {
                f.cancel(true);
            }
        }
        return reports;
    }

    /**
     * The observed egress IP only when it is an address: it is copied into status and a condition message, where
     * anyone who can read the AppConnector sees it, so nothing else a verify URL answered may get there.
     */
    private static String address(JsonNode value) {
        if (!value.isTextual()) {
            return null;
        }
        try {
            return dev.pinhole.ipset.IpAddress.parse(value.asText()).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static Optional<Report> parse(String pod, String body) {
        try {
            JsonNode n = JSON.readTree(body);
            return Optional.of(new Report(pod,
                    address(n.path("observedEgressIP")),
                    n.path("egressVerified").asBoolean(false),
                    n.path("activeFlows").asLong(0),
                    n.path("mappedNames").asLong(0)));
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
