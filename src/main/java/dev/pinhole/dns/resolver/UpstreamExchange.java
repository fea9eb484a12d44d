package dev.pinhole.dns.resolver;

import java.util.concurrent.CompletableFuture;

/** Sends one query to an upstream resolver and completes with the matching response. */
@FunctionalInterface
public interface UpstreamExchange {
    /**
     * @param query an encoded query with exactly one question
     * @return the response bytes with the query's transaction id; completes exceptionally when no upstream
     *         answered in time
     */
    CompletableFuture<byte[]> exchange(byte[] query);
}
