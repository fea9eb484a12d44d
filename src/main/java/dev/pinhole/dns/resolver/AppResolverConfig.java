package dev.pinhole.dns.resolver;

import dev.pinhole.dns.match.DomainMatcher;
import dev.pinhole.dns.message.Edns;
import java.time.Duration;
import java.util.Objects;

/**
 * What the resolver needs beyond the pool: which names to synthesize, the TTL cap for synthetic answers, and
 * the policy for real addresses.
 *
 * @param domains      names answered with synthetic addresses
 * @param maxTtl       cap on the TTL of synthetic answers; the upstream TTL is used when lower
 * @param realAddresses rebinding/SSRF policy for the real upstream answers
 * @param udpPayload   EDNS UDP payload size advertised upstream and to clients
 */
public record AppResolverConfig(DomainMatcher domains, Duration maxTtl, RealAddressPolicy realAddresses,
        int udpPayload) {

    public static final Duration DEFAULT_MAX_TTL = Duration.ofSeconds(30);

    public AppResolverConfig {
        Objects.requireNonNull(domains, "domains");
        Objects.requireNonNull(realAddresses, "realAddresses");
        if (maxTtl.isNegative() || maxTtl.getSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxTtl " + maxTtl + " out of range");
        }
        if (udpPayload < Edns.MIN_PAYLOAD || udpPayload > 4096) {
            throw new IllegalArgumentException("udpPayload " + udpPayload + " out of range 512..4096");
        }
    }

    public AppResolverConfig(DomainMatcher domains, RealAddressPolicy realAddresses) {
        this(domains, DEFAULT_MAX_TTL, realAddresses, Edns.DEFAULT_PAYLOAD);
    }
}
