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
        return handle(query, transport, DnsClientShare.UNLIMITED);
    }

    /**
     * Answers one query of a client with its {@code share}: a query that would go upstream while the client holds
     * its share of queries in flight is answered SERVFAIL at once, and a new name over its quota REFUSED.
     */
    public CompletableFuture<Optional<byte[]>> handle(ByteBuffer query, Transport transport, DnsClientShare share) {
        try {
            return run(resolver.onQuery(query, transport, share), share)
                    .exceptionally(e -> Optional.empty());
        } catch (RuntimeException e) {
            // a resolver bug drops this query instead of killing the caller's receive loop
            return CompletableFuture.completedFuture(Optional.empty());
        }
    }

    public CompletableFuture<Optional<byte[]>> handle(byte[] query, Transport transport) {
        return handle(ByteBuffer.wrap(query), transport);
    }

    public CompletableFuture<Optional<byte[]>> handle(byte[] query, Transport transport, DnsClientShare share) {
        return handle(ByteBuffer.wrap(query), transport, share);
    }

    private CompletableFuture<Optional<byte[]>> run(ResolverStep step, DnsClientShare share) {
        if (step instanceof ResolverStep.Reply reply) {
            return CompletableFuture.completedFuture(Optional.of(reply.message()));
        }
        if (step instanceof ResolverStep.AskUpstream ask) {
            if (!share.queriesInFlight().tryAcquire(1)) {
                return run(resolver.onOverBudget(ask.pending()), share);
            }
            CompletableFuture<byte[]> sent;
            try {
                sent = upstream.exchange(ask.query());
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((response, failure) -> share.queriesInFlight().release(1));
            return sent.handle((response, failure) -> failure == null
                            ? resolver.onUpstreamResponse(ask.pending(), response)
                            : resolver.onUpstreamFailure(ask.pending()))
                    .thenCompose(next -> run(next, share));
        }
        return CompletableFuture.completedFuture(Optional.empty());
    }
}
