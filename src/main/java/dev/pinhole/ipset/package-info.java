/**
 * IP address arithmetic for allowlists and policy: IPv4/IPv6 addresses, CIDRs and inclusive ranges, a textual
 * parser for user entries ({@link dev.pinhole.ipset.IpEntryParser}), immutable normalized sets with union,
 * exclusion, intersection and a minimal CIDR cover ({@link dev.pinhole.ipset.IpSet}), and allocation-free
 * membership for the data plane. Pure Java: no Kubernetes or Quarkus types.
 *
 * <p>Every address is held as an unsigned 128-bit number in two longs ({@code hi}, {@code lo}); an IPv4
 * address lives in the low 32 bits of {@code lo} with {@code hi == 0}. Families never mix inside one
 * {@link dev.pinhole.ipset.IpRangeSet}.
 */
package dev.pinhole.ipset;
