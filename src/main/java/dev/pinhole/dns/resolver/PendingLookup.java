package dev.pinhole.dns.resolver;

import dev.pinhole.budget.Allowance;
import dev.pinhole.dns.message.DnsMessage;
import dev.pinhole.dns.synthetic.ResolvedNames;

/**
 * A client query waiting for an upstream answer: the decoded query, its response size limit, and what the
 * answer is for. Opaque to callers; they only pass it back.
 */
public final class PendingLookup {
    /** Whether the upstream answer is relayed or turned into a synthetic answer. */
    enum Purpose {
        FORWARD,
        SYNTHESIZE
    }

    final DnsMessage query;
    final int responseLimit;
    final Purpose purpose;
    /** The asking client's quota of synthetic names, charged if the answer maps a new name. */
    final Allowance names;
    /** Where a synthetic answer to the asking client is recorded. */
    final ResolvedNames resolved;

    PendingLookup(DnsMessage query, int responseLimit, Purpose purpose, Allowance names, ResolvedNames resolved) {
        this.query = query;
        this.responseLimit = responseLimit;
        this.purpose = purpose;
        this.names = names;
        this.resolved = resolved;
    }

    /** The client's transaction id. */
    public int clientId() {
        return query.id();
    }

    @Override
    public String toString() {
        return purpose + " " + query.questions();
    }
}
