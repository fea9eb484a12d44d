package dev.pinhole.dns.resolver;

import dev.pinhole.budget.Allowance;

/**
 * What one client's queries may hold: upstream queries in flight (one each until its answer or failure) and
 * synthetic names its queries created (one each until the name is recycled).
 */
public record DnsClientShare(Allowance queriesInFlight, Allowance syntheticNames) {
    /** No bound (the standalone server, tests of other things). */
    public static final DnsClientShare UNLIMITED = new DnsClientShare(Allowance.UNLIMITED, Allowance.UNLIMITED);
}
