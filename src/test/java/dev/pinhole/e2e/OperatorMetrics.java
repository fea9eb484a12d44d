package dev.pinhole.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Counters from a locally running operator's Prometheus endpoint ({@code /q/metrics}). */
final class OperatorMetrics {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;

    OperatorMetrics(int port) {
        this.port = port;
    }

    /** Sum of a metric's samples whose labels contain {@code labelFilter} (e.g. {@code kind="AppConnector"}). */
    double sum(String metric, String labelFilter) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/q/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("/q/metrics answered " + response.statusCode());
        }
        return sum(response.body(), metric, labelFilter);
    }

    /** Sums {@code metric}'s samples in a Prometheus text exposition; 0 when it has none yet. */
    static double sum(String exposition, String metric, String labelFilter) {
        double total = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith(metric + "{") && line.contains(labelFilter)) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
