package dev.pinhole.dns.resolver;

import dev.pinhole.budget.Allowance;
import dev.pinhole.dns.synthetic.ResolvedNames;

/**
 * What one client's queries may hold: upstream queries in flight (one each until its answer or failure) and
 * synthetic names its queries created (one each until the name is recycled); where its synthetic answers
 * are recorded ({@code resolved}: the flows it may open to synthetic addresses); and which served names it may
 * reach at all ({@code access}).
 */
public record DnsClientShare(Allowance queriesInFlight, Allowance syntheticNames, ResolvedNames resolved,
                             NameAccess access) {
    /** No bound, nothing recorded (the standalone server, tests of other things). */
    public static final DnsClientShare UNLIMITED = new DnsClientShare(Allowance.UNLIMITED, Allowance.UNLIMITED,
            ResolvedNames.NOTHING);

    /** A share of a client that may reach every served name. */
    public DnsClientShare(Allowance queriesInFlight, Allowance syntheticNames, ResolvedNames resolved) {
        this(queriesInFlight, syntheticNames, resolved, NameAccess.EVERY_NAME);
    }
}
