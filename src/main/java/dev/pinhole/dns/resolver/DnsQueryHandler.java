package dev.pinhole.dns.resolver;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs {@link AppResolver} steps against an {@link UpstreamExchange}: payload in, future payload out. The
 * connector calls this with UDP payloads and TCP messages taken from the userspace network stack;
 * {@link DnsServer} calls it for real sockets.
 */
public final class DnsQueryHandler {
    private final AppResolver resolver;
    private final UpstreamExchange upstream;

    public DnsQueryHandler(AppResolver resolver, UpstreamExchange upstream) {
        this.resolver = resolver;
        this.upstream = upstream;
    }

    /**
     * Answers one query (a UDP payload, or a TCP message without its length prefix).
     *
     * @return the response bytes, or empty when the packet is to be dropped; never completes exceptionally
     */
    public CompletableFuture<Optional<byte[]>> handle(ByteBuffer query, Transport transport) {
        try {
            return run(resolver.onQuery(query, transport)).exceptionally(e -> Optional.empty());
        } catch (RuntimeException e) {
            // a resolver bug drops this query instead of killing the caller's receive loop
            return CompletableFuture.completedFuture(Optional.empty());
        }
    }

    public CompletableFuture<Optional<byte[]>> handle(byte[] query, Transport transport) {
        return handle(ByteBuffer.wrap(query), transport);
    }

    private CompletableFuture<Optional<byte[]>> run(ResolverStep step) {
        if (step instanceof ResolverStep.Reply reply) {
            return CompletableFuture.completedFuture(Optional.of(reply.message()));
        }
        if (step instanceof ResolverStep.AskUpstream ask) {
            CompletableFuture<byte[]> sent;
            try {
                sent = upstream.exchange(ask.query());
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            return sent.handle((response, failure) -> failure == null
                            ? resolver.onUpstreamResponse(ask.pending(), response)
                            : resolver.onUpstreamFailure(ask.pending()))
                    .thenCompose(this::run);
        }
        return CompletableFuture.completedFuture(Optional.empty());
    }
}
