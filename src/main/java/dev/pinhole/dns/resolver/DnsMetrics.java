package dev.pinhole.dns.resolver;

/** Counters the resolver reports; {@link MicrometerDnsMetrics} publishes them, {@link #NONE} drops them. */
public interface DnsMetrics {
    /** A client query was received (before any decision). */
    void queryReceived();

    /** A query was relayed upstream untouched. */
    void forwarded();

    /** A matched name was answered with a synthetic address. */
    void synthesized();

    /** A matched name was refused because of its real answers. */
    void refused(RefusalReason reason);

    /** A client packet was dropped without an answer. */
    void dropped(DnsDropReason reason);

    /** An upstream exchange failed or returned garbage; the client got SERVFAIL. */
    void upstreamFailed();

    /** A new name could not be mapped: the synthetic pool is full; the client got SERVFAIL. */
    void poolExhausted();

    /** A new name was refused because another name holds its synthetic address; the client got REFUSED. */
    void nameCollision();

    DnsMetrics NONE = new DnsMetrics() {
        @Override
        public void queryReceived() {
        }

        @Override
        public void forwarded() {
        }

        @Override
        public void synthesized() {
        }

        @Override
        public void refused(RefusalReason reason) {
        }

        @Override
        public void dropped(DnsDropReason reason) {
        }

        @Override
        public void upstreamFailed() {
        }

        @Override
        public void poolExhausted() {
        }

        @Override
        public void nameCollision() {
        }
    };
}
