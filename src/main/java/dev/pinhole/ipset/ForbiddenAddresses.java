package dev.pinhole.ipset;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one address model every boundary uses (data-plane policy, DNS answers, config routes): a list of forbidden
 * blocks judged on every spelling of an address. An address is refused when it falls in a forbidden block that
 * no static route names, or when it is an IPv6 spelling ({@link EmbeddedIpv4}) of an IPv4 address in any
 * forbidden block.
 *
 * <p>A route names a block when it lies inside it and contains the address ({@code 127.0.0.1/32} names loopback,
 * {@code 0.0.0.0/0} names nothing), only in the block's own family and only for a {@link BlockKind#nameable()}
 * kind. An IPv6 spelling never names an IPv4 block: whether {@code ::ffff:127.0.0.1} or {@code 64:ff9b::7f00:1}
 * lands on the IPv4 address depends on the JDK or on a translator the operator does not see in the spec, and one
 * who means loopback can write {@code 127.0.0.1/32}. Immutable.
 */
public final class ForbiddenAddresses {
    /** Never reached unless a route names them; most specific first (metadata sits inside link-local). */
    public static final List<ForbiddenBlock> BUILT_IN = List.of(
            block("169.254.169.254/32", BlockKind.CLOUD_METADATA),
            block("fd00:ec2::254/128", BlockKind.CLOUD_METADATA),
            block("100.100.100.200/32", BlockKind.CLOUD_METADATA), // Alibaba Cloud
            block("127.0.0.0/8", BlockKind.LOOPBACK),
            block("::1/128", BlockKind.LOOPBACK),
            block("169.254.0.0/16", BlockKind.LINK_LOCAL),
            block("fe80::/10", BlockKind.LINK_LOCAL),
            block("0.0.0.0/8", BlockKind.UNSPECIFIED),
            block("::/128", BlockKind.UNSPECIFIED),
            block("224.0.0.0/4", BlockKind.MULTICAST),
            block("ff00::/8", BlockKind.MULTICAST),
            block("240.0.0.0/4", BlockKind.RESERVED),
            block("64:ff9b:1::/48", BlockKind.ADDRESS_TRANSLATION));

    /** Default cluster-internal ranges (private networks, shared address space, ULA) when none are configured. */
    public static final List<Cidr> DEFAULT_CLUSTER_RANGES = List.of(Cidr.parse("10.0.0.0/8"),
            Cidr.parse("172.16.0.0/12"), Cidr.parse("192.168.0.0/16"), Cidr.parse("100.64.0.0/10"),
            Cidr.parse("fc00::/7"));

    private final List<ForbiddenBlock> blocks;
    private final List<Cidr> routes;

    /**
     * @param blocks the forbidden blocks, checked in order (the first that refuses is reported)
     * @param routes the static routes, which may name nameable blocks
     */
    public ForbiddenAddresses(List<ForbiddenBlock> blocks, List<Cidr> routes) {
        this.blocks = List.copyOf(blocks);
        this.routes = List.copyOf(routes);
    }

    /** {@link #BUILT_IN} followed by {@code more}. */
    public static List<ForbiddenBlock> builtInAnd(List<ForbiddenBlock> more) {
        List<ForbiddenBlock> all = new ArrayList<>(BUILT_IN);
        all.addAll(more);
        return List.copyOf(all);
    }

    /** The blocks, in the order they are checked. */
    public List<ForbiddenBlock> blocks() {
        return blocks;
    }

    /** The block that forbids {@code address} (itself or the IPv4 it spells), or empty when it may be reached. */
    public Optional<ForbiddenBlock> blocking(IpAddress address) {
        for (ForbiddenBlock b : blocks) {
            if (b.cidr().contains(address) && !(b.kind().nameable() && namedByRoute(b.cidr(), address))) {
                return Optional.of(b);
            }
        }
        for (IpAddress ipv4 : EmbeddedIpv4.in(address)) {
            for (ForbiddenBlock b : blocks) {
                if (b.cidr().contains(ipv4)) {
                    return Optional.of(b);
                }
            }
        }
        return Optional.empty();
    }

    /** Whether {@code address} may be reached: {@link #blocking} finds nothing. */
    public boolean reachable(IpAddress address) {
        return blocking(address).isEmpty();
    }

    /** A forbidden IPv4 block an IPv6 route reaches through a translation form, with the form. */
    public record CrossFamilyReach(EmbeddedIpv4.Form form, Cidr ipv4, ForbiddenBlock block) {}

    /**
     * The first forbidden IPv4 block some address of the IPv6 {@code route} spells (so a route such as
     * {@code ::ffff:0:0/96}, {@code 64:ff9b::/96}, {@code 2002::/16} or {@code ::/1} reaches it), or empty.
     */
    public Optional<CrossFamilyReach> reachedThroughIpv6(Cidr route) {
        for (EmbeddedIpv4.Reach reach : EmbeddedIpv4.reachedBy(route)) {
            for (ForbiddenBlock b : blocks) {
                if (overlaps(reach.ipv4(), b.cidr())) {
                    return Optional.of(new CrossFamilyReach(reach.form(), reach.ipv4(), b));
                }
            }
        }
        return Optional.empty();
    }

    private boolean namedByRoute(Cidr block, IpAddress address) {
        for (Cidr route : routes) {
            if (route.contains(address) && route.prefixLength() >= block.prefixLength()
                    && block.contains(route.first())) {
                return true;
            }
        }
        return false;
    }

    private static boolean overlaps(Cidr a, Cidr b) {
        return a.family() == b.family() && (a.contains(b.first()) || b.contains(a.first()));
    }

    private static ForbiddenBlock block(String cidr, BlockKind kind) {
        return new ForbiddenBlock(Cidr.parse(cidr), kind);
    }
}
