package dev.pinhole.budget;

/** The resources the budget bounds, each per client and overall; the metric label is {@link #label()}. */
public enum Resource {
    /** Bytes held in TCP send and receive buffers (userspace stack), relay buffers and DNS-over-TCP buffers. */
    BUFFER_BYTES("buffer_bytes"),
    /** Synthetic names (address mappings) a client's queries created and that are still mapped. */
    SYNTHETIC_NAMES("synthetic_names"),
    /** DNS queries waiting for an upstream answer. */
    DNS_QUERIES("dns_queries"),
    /** Open DNS-over-TCP sessions to the tunnel resolver. */
    DNS_TCP_SESSIONS("dns_tcp_sessions");

    private final String label;

    Resource(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
