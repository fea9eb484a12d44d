package dev.pinhole.dns.resolver;

import dev.pinhole.budget.Allowance;
import dev.pinhole.dns.synthetic.ResolvedNames;

/**
 * What one client's queries may hold: upstream queries in flight (one each until its answer or failure) and
 * synthetic names its queries created (one each until the name is recycled); and where its synthetic answers
 * are recorded ({@code resolved}: the flows it may open to synthetic addresses).
 */
public record DnsClientShare(Allowance queriesInFlight, Allowance syntheticNames, ResolvedNames resolved) {
    /** No bound, nothing recorded (the standalone server, tests of other things). */
    public static final DnsClientShare UNLIMITED = new DnsClientShare(Allowance.UNLIMITED, Allowance.UNLIMITED,
            ResolvedNames.NOTHING);
}
