package dev.pinhole.dns.resolver;

/** Why a matched name was not mapped: its real answers point somewhere the connector must never reach. */
public enum RefusalReason {
    LOOPBACK,
    LINK_LOCAL,
    CLOUD_METADATA,
    UNSPECIFIED,
    MULTICAST,
    /** 240.0.0.0/4, the limited broadcast address and similar never-routable IPv4 space. */
    RESERVED,
    /** Inside a configured cluster, pod or service CIDR. */
    CLUSTER_RANGE,
    /** NAT64 local-use (64:ff9b:1::/48): the IPv4 inside depends on the site's layout and cannot be judged. */
    ADDRESS_TRANSLATION,
    /** One of the connector pod's own addresses (it serves its status there). */
    OWN_ADDRESS,
    /** An address of a node the connector may run on. */
    NODE_ADDRESS,
    /** Inside the connector's own synthetic app range: answering with it would loop. */
    APP_RANGE
}
