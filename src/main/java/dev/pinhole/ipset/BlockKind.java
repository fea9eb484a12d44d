package dev.pinhole.ipset;

/** Why an address block is never reached, and whether a static route may still name it on purpose. */
public enum BlockKind {
    /** 0.0.0.0/8 and {@code ::}: never nameable, since dialling the unspecified address reaches the host itself. */
    UNSPECIFIED(false),
    LOOPBACK(true),
    LINK_LOCAL(true),
    CLOUD_METADATA(true),
    MULTICAST(true),
    /** 240.0.0.0/4 and the limited broadcast address. */
    RESERVED(true),
    /** NAT64 local-use (RFC 8215): the IPv4 inside depends on the site's layout, so it cannot be judged. */
    ADDRESS_TRANSLATION(false),
    /** The connector pod's own addresses: it serves {@code /status} (every client's endpoint) there. */
    OWN_ADDRESS(false),
    /** An address of a node the connector may run on: the node's own services (kubelet, exporters). */
    NODE_ADDRESS(true),
    /** The synthetic app range: forwarding to it would loop. */
    APP_RANGE(false),
    /** Pod, service and node networks (configured or default private ranges). */
    CLUSTER_RANGE(true);

    private final boolean nameable;

    BlockKind(boolean nameable) {
        this.nameable = nameable;
    }

    /** Whether a static route at least as specific as the block and inside it makes it reachable. */
    public boolean nameable() {
        return nameable;
    }
}
