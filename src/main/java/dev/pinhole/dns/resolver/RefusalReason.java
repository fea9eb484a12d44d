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
    /** Inside the connector's own synthetic app range: answering with it would loop. */
    APP_RANGE
}
