package dev.pinhole.connector;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.http.CappedBody;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.IpEntryFormatException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
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
    /** What one check is about: a result holds only for the elastic IP and the URL it was made with. */
    public record Target(String elasticIp, String verifyUrl) {
        public static Target of(ConnectorConfig.Egress egress) {
            return new Target(egress.elasticIP(), egress.verifyUrl());
        }
    }

    /** The outcome of one check, for {@link #target()}. */
    public record Result(Target target, String observedIp, boolean verified, String error, Instant checkedAt) {}

    /**
     * The longest spelling of an address (IPv6 with an embedded IPv4, 45 characters) plus whitespace: the body is
     * whatever the URL's owner chose, and no more of it than an address needs is read.
     */
    static final int MAX_BODY_BYTES = 64;

    private final HttpClient http;
    private final Duration timeout;

    public EgressVerifier(Duration timeout) {
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public Result check(String url, String elasticIp) {
        return check(new Target(elasticIp, url));
    }

    public Result check(Target target) {
        String url = target.verifyUrl();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                    .header("Accept", "text/plain").GET().build(), CappedBody.ofString(MAX_BODY_BYTES, timeout));
            String body = response.body() == null ? "" : response.body().trim();
            if (response.statusCode() != 200) {
                return failed(target, "HTTP " + response.statusCode() + " from " + printable(url));
            }
            // Only an address ever leaves this class: the observed IP is published in the AppConnector's status,
            // so a body that is not one is reported by its length, never echoed.
            IpAddress observed;
            try {
                observed = IpAddress.parse(body);
            } catch (IpEntryFormatException e) {
                return failed(target, "the response of " + printable(url) + " is not an IP address ("
                        + body.length() + " characters)");
            }
            String observedIp = observed.toString();
            boolean ok = observedIp.equals(canonical(target.elasticIp()));
            return new Result(target, observedIp, ok,
                    ok ? null : "observed " + observedIp + ", expected " + target.elasticIp(), Instant.now());
        } catch (IOException | IllegalArgumentException e) {
            return failed(target, "GET " + printable(url) + ": " + cause(e).replace(url, printable(url)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(target, "interrupted");
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

    private static Result failed(Target target, String error) {
        return new Result(target, null, false, error, Instant.now());
    }

    /** The URL as safe to show in a status or a log: scheme, host, port and path; no credentials, no query. */
    static String printable(String url) {
        try {
            URI u = new URI(url);
            if (u.getHost() == null) {
                return "(an invalid URL)";
            }
            String host = u.getHost();
            return u.getScheme() + "://" + host + (u.getPort() >= 0 ? ":" + u.getPort() : "")
                    + (u.getRawPath() == null ? "" : u.getRawPath());
        } catch (URISyntaxException e) {
            return "(an invalid URL)";
        }
    }

    /**
     * What went wrong, in words: the JDK client's ConnectException has neither a message nor a telling cause (its
     * cause is a ClosedChannelException), so known types get a sentence; otherwise the deepest cause with a message.
     */
    static String cause(Throwable e) {
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return "connect timed out (HttpConnectTimeoutException)";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer in time (HttpTimeoutException)";
        }
        if (e instanceof java.net.ConnectException && (e.getMessage() == null || e.getMessage().isBlank())) {
            return "could not connect: connection refused or host unreachable (ConnectException)";
        }
        Throwable said = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                said = t;
            }
        }
        return said == null ? e.getClass().getSimpleName()
                : said.getMessage() + " (" + said.getClass().getSimpleName() + ")";
    }
}
