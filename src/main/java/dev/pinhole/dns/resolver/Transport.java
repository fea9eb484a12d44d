package dev.pinhole.dns.resolver;

/** How a query reached the server; decides the response size limit. */
public enum Transport {
    UDP,
    TCP
}
