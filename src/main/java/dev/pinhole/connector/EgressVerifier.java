package dev.pinhole.connector;

import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.IpEntryFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/**
 * Checks that traffic from this pod leaves with the expected elastic IP: an HTTP GET of the verify URL, whose
 * trimmed body must be an IP address equal to {@code elasticIP} (services like checkip/ifconfig.me answer with the
 * caller's address). Only an address ever leaves this class: the body is whatever the URL's owner chose, and the
 * observed IP is published in the AppConnector's status, so a body that is not an address is reported by its
 * length, never echoed; and at most {@value #MAX_BODY_BYTES} bytes of it are read.
 */
public final class EgressVerifier {
    /** The outcome of one check. */
    public record Result(String observedIp, boolean verified, String error, Instant checkedAt) {}

    /** The longest spelling of an address (IPv6 with an embedded IPv4, 45 characters) plus whitespace. */
    static final int MAX_BODY_BYTES = 64;

    private final HttpClient http;
    private final Duration timeout;

    public EgressVerifier(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public Result check(String url, String elasticIp) {
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                    .header("Accept", "text/plain").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            byte[] head;
            try (InputStream in = response.body()) {
                head = in.readNBytes(MAX_BODY_BYTES + 1);
            }
            if (response.statusCode() != 200) {
                return new Result(null, false, "HTTP " + response.statusCode() + " from " + url, Instant.now());
            }
            String body = new String(head, StandardCharsets.US_ASCII).trim();
            IpAddress observed;
            try {
                if (head.length > MAX_BODY_BYTES) {
                    throw new IpEntryFormatException(body, "too long");
                }
                observed = IpAddress.parse(body);
            } catch (IpEntryFormatException e) {
                return new Result(null, false, "the response of " + url + " is not an IP address ("
                        + (head.length > MAX_BODY_BYTES ? "more than " + MAX_BODY_BYTES : head.length)
                        + " bytes)", Instant.now());
            }
            String observedIp = observed.toString();
            boolean ok = observedIp.equals(canonical(elasticIp));
            return new Result(observedIp, ok, ok ? null : "observed " + observedIp + ", expected " + elasticIp,
                    Instant.now());
        } catch (IOException | IllegalArgumentException e) {
            // Messages of the JDK's HTTP client name the URL and the failure, never the body.
            return new Result(null, false, e.getClass().getSimpleName() + ": " + e.getMessage(), Instant.now());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(null, false, "interrupted", Instant.now());
        }
    }

    /** The elastic IP in the same spelling as an observed one (2001:DB8::1 and 2001:db8::1 are one address). */
    private static String canonical(String ip) {
        try {
            return IpAddress.parse(ip).toString();
        } catch (IpEntryFormatException e) {
            return ip;
        }
    }
}
