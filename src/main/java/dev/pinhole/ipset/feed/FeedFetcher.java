package dev.pinhole.ipset.feed;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Fetches one feed body under the {@link FeedHostPolicy}: the host is checked, its name resolved once, every
 * address checked, and the connection made to the checked address (TLS still verifies the certificate against
 * the host name, through SNI), so a DNS answer that changes between check and connect (rebinding) cannot move
 * the request. Redirects are followed up to a bound, each hop checked again; the response body is capped; the
 * whole exchange has a deadline; validators (ETag, Last-Modified) make the request conditional.
 */
public final class FeedFetcher {
    /** Looks a host name up; the test seam for DNS (and the one place a name is resolved). */
    @FunctionalInterface
    public interface HostResolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;
    }

    /** Bounds of one fetch. */
    public record Limits(Duration connectTimeout, Duration deadline, int maxRedirects, int maxBodyBytes) {
        public static final Limits DEFAULT = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(30), 3,
                FeedLimits.DEFAULT.maxBodyBytes());
    }

    /** What the server said about the version of the body it sent, for the next conditional request. */
    public record Validators(Optional<String> etag, Optional<String> lastModified) {
        public static final Validators NONE = new Validators(Optional.empty(), Optional.empty());
    }

    /** The result of one fetch: a body, "not modified", a policy refusal or a failure. */
    public sealed interface Outcome permits Fetched, NotModified, Refused, Failed {}

    /** A 200 with its body and validators. */
    public record Fetched(byte[] body, Validators validators, URI from) implements Outcome {}

    /** A 304: the last good body still holds. */
    public record NotModified() implements Outcome {}

    /** The policy refused the URL or an address (not retried sooner: only a settings change helps). */
    public record Refused(String reason) implements Outcome {}

    /** The fetch failed (network, status, size, deadline); retried with backoff. */
    public record Failed(String reason) implements Outcome {}

    private final FeedHostPolicy policy;
    private final HostResolver resolver;
    private final SSLContext tls;
    private final Limits limits;
    private final LongSupplier nanoClock;

    public FeedFetcher(FeedHostPolicy policy, HostResolver resolver, SSLContext tls, Limits limits,
            LongSupplier nanoClock) {
        this.policy = policy;
        this.resolver = resolver;
        this.tls = tls;
        this.limits = limits;
        this.nanoClock = nanoClock;
    }

    /** Fetches {@code url}, conditionally on {@code previous}; never throws for anything the server does. */
    public Outcome fetch(URI url, Validators previous) {
        long deadline = nanoClock.getAsLong() + limits.deadline().toNanos();
        URI current = url;
        for (int hop = 0; ; hop++) {
            Optional<String> refusal = policy.refuseUrl(current);
            if (refusal.isPresent()) {
                return new Refused(hop == 0 ? refusal.get() : "redirect to " + current + ": " + refusal.get());
            }
            String host = current.getHost();
            List<InetAddress> addresses;
            try {
                addresses = resolver.resolve(host);
            } catch (UnknownHostException e) {
                return new Failed("host " + FeedParseException.quote(host) + " does not resolve");
            }
            refusal = policy.refuseAddresses(host, addresses);
            if (refusal.isPresent()) {
                return new Refused(refusal.get());
            }
            HttpResponseHead.Response response;
            try {
                response = exchange(current, addresses, previous, deadline);
            } catch (FetchFailure e) {
                return new Failed(e.getMessage());
            } catch (IOException e) {
                return new Failed(current.getHost() + ": " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + FeedParseException.clean(e.getMessage())));
            }
            int status = response.status();
            if (status == 200) {
                return new Fetched(response.body(), response.validators(), current);
            }
            if (status == 304) {
                return new NotModified();
            }
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                if (hop == limits.maxRedirects()) {
                    return new Failed("more than " + limits.maxRedirects() + " redirects");
                }
                Optional<String> location = response.location();
                if (location.isEmpty()) {
                    return new Failed("redirect " + status + " without a Location");
                }
                try {
                    current = current.resolve(new URI(location.get()));
                } catch (URISyntaxException e) {
                    return new Failed("redirect to an invalid Location " + FeedParseException.quote(location.get()));
                }
                continue;
            }
            return new Failed(current.getHost() + " answered HTTP " + status);
        }
    }

    /**
     * Connects to the first of {@code addresses} (all checked by the policy) that accepts, in the resolver's order,
     * each within the connect timeout and all within the deadline; a vendor's dead replica or an unreachable
     * family is passed over as a browser would. Only the connection falls back: once one is up, its answer is
     * the answer.
     */
    private Socket connect(List<InetAddress> addresses, int port, long deadline) throws IOException {
        IOException last = null;
        InetAddress lastAddress = null;
        for (InetAddress address : addresses) {
            Socket plain = new Socket();
            try {
                plain.connect(new InetSocketAddress(address, port), timeoutMillis(limits.connectTimeout().toNanos(),
                        deadline));
                return plain;
            } catch (FetchFailure e) {
                plain.close();
                throw e;
            } catch (IOException e) {
                plain.close();
                last = e;
                lastAddress = address;
            }
        }
        if (addresses.size() == 1 || last == null) {
            throw last == null ? new IOException("no address") : last;
        }
        throw new FetchFailure("none of " + addresses.size() + " addresses accepted a connection, the last "
                + lastAddress.getHostAddress() + ": " + last.getClass().getSimpleName()
                + (last.getMessage() == null ? "" : ": " + FeedParseException.clean(last.getMessage())));
    }

    private HttpResponseHead.Response exchange(URI url, List<InetAddress> addresses, Validators previous,
            long deadline) throws IOException {
        boolean https = url.getScheme().equalsIgnoreCase("https");
        int port = url.getPort() >= 0 ? url.getPort() : https ? 443 : 80;
        Socket plain = connect(addresses, port, deadline);
        try {
            Socket socket = plain;
            if (https) {
                SSLSocket tlsSocket = (SSLSocket) tls.getSocketFactory().createSocket(plain, url.getHost(), port,
                        true);
                SSLParameters parameters = tlsSocket.getSSLParameters();
                // Verify the certificate against the name, although we dialled an address.
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                tlsSocket.setSSLParameters(parameters);
                socket = tlsSocket;
            }
            DeadlineInput in = new DeadlineInput(socket, deadline, nanoClock);
            socket.setSoTimeout(in.remainingMillis());
            if (socket instanceof SSLSocket tlsSocket) {
                tlsSocket.startHandshake();
            }
            socket.getOutputStream().write(HttpRequestText.get(url, previous));
            socket.getOutputStream().flush();
            return HttpResponseHead.read(in, limits.maxBodyBytes());
        } finally {
            plain.close();
        }
    }

    private int timeoutMillis(long budgetNanos, long deadline) throws FetchFailure {
        long remaining = Math.min(budgetNanos, deadline - nanoClock.getAsLong());
        if (remaining <= 0) {
            throw new FetchFailure("deadline of " + limits.deadline().toSeconds() + " s passed");
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, remaining / 1_000_000));
    }
}
