package dev.pinhole.dns.resolver;

import java.util.Objects;

/** What the caller of {@link AppResolver} must do next. */
public sealed interface ResolverStep permits ResolverStep.Reply, ResolverStep.Drop, ResolverStep.AskUpstream {

    /** Send {@code message} back to the client on the transport the query came in on. */
    record Reply(byte[] message) implements ResolverStep {
        public Reply {
            Objects.requireNonNull(message, "message");
        }
    }

    /** Send nothing; the packet was counted under {@code reason}. */
    record Drop(DnsDropReason reason) implements ResolverStep {
    }

    /**
     * Send {@code query} to an upstream resolver, then hand the response (or the failure) and {@code pending}
     * back to {@link AppResolver#onUpstreamResponse} or {@link AppResolver#onUpstreamFailure}. The upstream
     * transaction id is the caller's to choose; the resolver restores the client's.
     */
    record AskUpstream(byte[] query, PendingLookup pending) implements ResolverStep {
        public AskUpstream {
            Objects.requireNonNull(query, "query");
            Objects.requireNonNull(pending, "pending");
        }
    }
}
