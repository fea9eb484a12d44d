package dev.pinhole.connector;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

/**
 * Checks that traffic from this pod leaves with the expected elastic IP: an HTTP GET of the verify URL, whose
 * trimmed body must equal {@code elasticIP} (services like checkip/ifconfig.me answer with the caller's address).
 */
public final class EgressVerifier {
    /** The outcome of one check. */
    public record Result(String observedIp, boolean verified, String error, Instant checkedAt) {}

    private static final int MAX_BODY_CHARS = 256;

    private final HttpClient http;
    private final Duration timeout;

    public EgressVerifier(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public Result check(String url, String elasticIp) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                    .header("Accept", "text/plain").GET().build(), HttpResponse.BodyHandlers.ofString());
            String body = response.body() == null ? "" : response.body().trim();
            if (body.length() > MAX_BODY_CHARS) {
                body = body.substring(0, MAX_BODY_CHARS);
            }
            if (response.statusCode() != 200) {
                return new Result(null, false, "HTTP " + response.statusCode() + " from " + url, Instant.now());
            }
            boolean ok = body.equals(elasticIp);
            return new Result(body, ok, ok ? null : "observed " + body + ", expected " + elasticIp, Instant.now());
        } catch (IOException | IllegalArgumentException e) {
            return new Result(null, false, e.getClass().getSimpleName() + ": " + e.getMessage(), Instant.now());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(null, false, "interrupted", Instant.now());
        }
    }
}
