package dev.pinhole.connector;

import dev.pinhole.connector.config.ConnectorConfig;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.dns.synthetic.ResolvedNames;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.dns.synthetic.SyntheticMapping;
import dev.pinhole.ipset.BlockKind;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.ipset.ForbiddenBlock;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.IpSet;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Where a client's packet may go. Forwarded only when its source is the sending client's own tunnel address and
 * its destination is a mapped synthetic address that this client was answered, here, for the name it maps now
 * (then to the mapping's real addresses), or inside a static route.
 * Loopback, link-local (cloud metadata), unspecified, multicast, reserved and cluster ranges are never reached
 * unless a static route names them: a route at least as specific as the forbidden block and inside it
 * ({@code 127.0.0.1/32} names loopback, {@code 0.0.0.0/0} does not); the pod's own addresses never. Every IPv6
 * spelling of a forbidden IPv4 address is forbidden too ({@link ForbiddenAddresses}, the model the DNS answers and
 * the config check use). With access rules ({@link AccessGrants}) a flow is forwarded only when a rule grants its
 * client the name its synthetic address maps or a route holding its destination; otherwise it is refused as
 * {@link PolicyDropReason#NOT_GRANTED}. Immutable; rebuilt on every config change.
 */
public final class Policy {
    /** What to do with a new flow's destination. */
    public sealed interface Decision {
        /** Forward to these real addresses (tried in order). */
        record Forward(List<InetAddress> targets) implements Decision {}

        /** Refuse (TCP RST, ICMP administratively prohibited) and count {@code reason}. */
        record Refuse(PolicyDropReason reason) implements Decision {}

        /**
         * The address is reserved for {@code name}, which this replica has not mapped yet (the client resolved it
         * on another replica): drop the packet quietly and resolve the name for the client, so its retransmission
         * is forwarded. Counted as {@link PolicyDropReason#RESOLVING}.
         */
        record Resolve(DnsName name) implements Decision {}
    }

    /** Default cluster-internal ranges (private networks, shared address space, ULA); see PINHOLE_CLUSTER_CIDRS. */
    public static final List<Cidr> DEFAULT_CLUSTER_RANGES = ForbiddenAddresses.DEFAULT_CLUSTER_RANGES;

    private final Cidr appRange;
    private final IpSet routes;
    private final List<Cidr> routeList;
    private final ForbiddenAddresses forbidden;
    private final SyntheticAddressPool pool;
    /**
     * The mappings the config serves: a mapping whose name it no longer serves, or that sits at an address its
     * name no longer has (the config's exact names moved it), forwards nothing.
     */
    private final Predicate<SyntheticMapping> served;
    /** Who may reach what; {@link AccessGrants#OPEN} without access rules. */
    private final AccessGrants grants;

    /** A policy whose forbidden blocks are the built-in ones, the app range and {@code clusterRanges}. */
    public Policy(Cidr appRange, List<Cidr> routes, List<Cidr> clusterRanges, SyntheticAddressPool pool) {
        this(appRange, routes, clusterRanges, pool, name -> true);
    }

    /** As above; a synthetic address forwards only while {@code served} still accepts its mapping. */
    public Policy(Cidr appRange, List<Cidr> routes, List<Cidr> clusterRanges, SyntheticAddressPool pool,
                  Predicate<SyntheticMapping> served) {
        this(appRange, routes, new ForbiddenAddresses(ForbiddenAddresses.builtInAnd(
                clusterBlocks(appRange, clusterRanges)), routes), pool, served);
    }

    /** A policy with its forbidden blocks given whole (whose naming routes should be {@code routes}). */
    public Policy(Cidr appRange, List<Cidr> routes, ForbiddenAddresses forbidden, SyntheticAddressPool pool) {
        this(appRange, routes, forbidden, pool, name -> true);
    }

    /** As above; a synthetic address forwards only while {@code served} still accepts its mapping. */
    public Policy(Cidr appRange, List<Cidr> routes, ForbiddenAddresses forbidden, SyntheticAddressPool pool,
                  Predicate<SyntheticMapping> served) {
        this(appRange, routes, forbidden, pool, served, AccessGrants.OPEN);
    }

    /** As above, each client reaching only what {@code grants} gives it. */
    Policy(Cidr appRange, List<Cidr> routes, ForbiddenAddresses forbidden, SyntheticAddressPool pool,
           Predicate<SyntheticMapping> served, AccessGrants grants) {
        this.grants = grants;
        this.served = served;
        this.appRange = appRange;
        this.routeList = List.copyOf(routes);
        var builder = IpSet.builder();
        routes.forEach(builder::add);
        this.routes = builder.build();
        this.forbidden = forbidden;
        this.pool = pool;
    }

    private static List<ForbiddenBlock> clusterBlocks(Cidr appRange, List<Cidr> clusterRanges) {
        List<ForbiddenBlock> out = new ArrayList<>();
        out.add(new ForbiddenBlock(appRange, BlockKind.APP_RANGE));
        clusterRanges.forEach(c -> out.add(new ForbiddenBlock(c, BlockKind.CLUSTER_RANGE)));
        return out;
    }

    /** The policy of a validated config, judging real destinations by {@code forbidden}. */
    public static Policy of(ConnectorConfig config, ForbiddenAddresses forbidden, SyntheticAddressPool pool) {
        List<Cidr> routes = config.routes() == null ? List.of()
                : config.routes().stream().map(Cidr::parse).toList();
        return new Policy(Cidr.parse(config.tunnel().appRange()), routes, forbidden, pool);
    }

    /** The policy of a validated config. */
    public static Policy of(ConnectorConfig config, List<Cidr> clusterRanges, SyntheticAddressPool pool) {
        List<Cidr> routes = config.routes() == null ? List.of()
                : config.routes().stream().map(Cidr::parse).toList();
        return new Policy(Cidr.parse(config.tunnel().appRange()), routes, clusterRanges, pool);
    }

    public List<Cidr> routes() {
        return routeList;
    }

    /** The forbidden blocks this policy judges real destinations by (shared with the DNS answer check). */
    public ForbiddenAddresses forbidden() {
        return forbidden;
    }

    /** What {@code client} may reach under this policy's access rules (DNS asks it before answering a name). */
    ClientAccess accessOf(String client) {
        return grants.of(client);
    }

    /**
     * Decides for a new flow of {@code client} to {@code destination}: as
     * {@link #decide(ClientAccess, IpAddress, ResolvedNames)} with what the access rules grant that client.
     */
    public Decision decide(String client, IpAddress destination, ResolvedNames answered) {
        return decide(grants.of(client), destination, answered);
    }

    /** As {@link #decide(String, IpAddress, ResolvedNames)} for a client that may reach everything. */
    Decision decide(IpAddress destination, ResolvedNames answered) {
        return decide(ClientAccess.EVERYTHING, destination, answered);
    }

    /**
     * Decides for a new flow to {@code destination} (the address the client dialled) from a client that may reach
     * what {@code access} grants and whose synthetic answers on this replica are {@code answered}; a forward
     * keeps its mapping. A name or route the client is not granted is refused before anything is resolved for it. A synthetic address whose current
     * name the client was not answered here (it resolved it on another replica before a failover, or the address
     * was recycled or went to a colliding name since) is refused: the client's app re-resolves instead of
     * reaching another name's app.
     */
    Decision decide(ClientAccess access, IpAddress destination, ResolvedNames answered) {
        Objects.requireNonNull(answered, "answered");
        if (!appRange.contains(destination)) {
            return judgeRoute(access, destination);
        }
        InetAddress synthetic = toInet(destination);
        var mapping = pool.lookup(synthetic); // one snapshot: the name checked is the one whose targets go out
        if (mapping.isEmpty() && !answered.knows(synthetic)) {
            Optional<DnsName> listed = pool.settledName(synthetic);
            if (listed.isPresent()) {
                return access.mayReach(listed.get()) ? new Decision.Resolve(listed.get())
                        : new Decision.Refuse(PolicyDropReason.NOT_GRANTED);
            }
        }
        if (!isServed(mapping)) {
            return new Decision.Refuse(PolicyDropReason.NOT_MAPPED);
        }
        DnsName name = mapping.get().name();
        if (!access.mayReach(name)) {
            return new Decision.Refuse(PolicyDropReason.NOT_GRANTED);
        }
        if (!answered.answered(synthetic, name)) {
            // A name the config lists exactly has this address on every replica with this config and no other
            // name ever gets it, so the client reaches the same app whichever replica it resolved on; the
            // answer is recorded as if given here. Not when the client was answered another name at this
            // address here, nor while a recent reload moved a listed name to or from it.
            if (answered.knows(synthetic) || !pool.settledName(synthetic).equals(Optional.of(name))) {
                return new Decision.Refuse(PolicyDropReason.NOT_RESOLVED);
            }
            answered.record(synthetic, name);
        }
        List<InetAddress> targets = allowedReal(mapping.get());
        if (targets.isEmpty()) {
            return new Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION);
        }
        pool.touch(synthetic);
        return new Decision.Forward(targets);
    }

    /**
     * True when a live flow to {@code destination} may go on under this policy (the revocation check after a config
     * change): a served mapping with a reachable real address, or a reachable static route. The client's answers
     * are not consulted, since the flow was decided with them when it opened; touches nothing. Also false when the
     * access rules no longer grant {@code client} the flow's name or route.
     */
    public boolean permits(String client, IpAddress destination) {
        return permits(grants.of(client), destination);
    }

    /** As {@link #permits(String, IpAddress)} for a client that may reach everything. */
    boolean permits(IpAddress destination) {
        return permits(ClientAccess.EVERYTHING, destination);
    }

    private boolean permits(ClientAccess access, IpAddress destination) {
        if (!appRange.contains(destination)) {
            return judgeRoute(access, destination) instanceof Decision.Forward;
        }
        var mapping = pool.lookup(toInet(destination));
        return isServed(mapping) && access.mayReach(mapping.get().name()) && !allowedReal(mapping.get()).isEmpty();
    }

    /** True when the address is mapped and the config still serves that mapping. */
    private boolean isServed(Optional<SyntheticMapping> mapping) {
        return mapping.isPresent() && served.test(mapping.get());
    }

    /**
     * A destination outside the app range: forwarded only inside a static route the client is granted, and only
     * where reachable.
     */
    private Decision judgeRoute(ClientAccess access, IpAddress destination) {
        if (routes.contains(destination)) {
            if (!access.mayReachRoute(destination)) {
                return new Decision.Refuse(PolicyDropReason.NOT_GRANTED);
            }
            return reachable(destination) ? new Decision.Forward(List.of(toInet(destination)))
                    : new Decision.Refuse(PolicyDropReason.FORBIDDEN_DESTINATION);
        }
        return new Decision.Refuse(PolicyDropReason.NO_ROUTE);
    }

    /** The mapping's real addresses this policy lets the connector reach (the resolver checked them too). */
    private List<InetAddress> allowedReal(SyntheticMapping mapping) {
        List<InetAddress> out = new ArrayList<>();
        for (InetAddress a : mapping.realAddresses()) {
            if (reachable(IpAddress.ofBytes(a.getAddress()))) {
                out.add(a);
            }
        }
        return out;
    }

    /** False for a forbidden block unless a static route names it, and for any spelling of a forbidden IPv4. */
    boolean reachable(IpAddress address) {
        return forbidden.reachable(address);
    }

    /** The JDK address; an IPv6 spelling of IPv4 becomes that IPv4, so a socket dials what the policy judged. */
    static InetAddress toInet(IpAddress address) {
        try {
            return InetAddress.getByAddress(address.toBytes());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes always make an address", e);
        }
    }

    static List<Cidr> cidrs(String... values) {
        List<Cidr> out = new ArrayList<>();
        for (String v : values) {
            out.add(Cidr.parse(v));
        }
        return List.copyOf(out);
    }

    /** Parses a comma-separated CIDR list such as the PINHOLE_CLUSTER_CIDRS variable; blank means none. */
    public static List<Cidr> parseCidrList(String text) {
        List<Cidr> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(Cidr.parse(part.strip()));
            }
        }
        return List.copyOf(out);
    }
}
