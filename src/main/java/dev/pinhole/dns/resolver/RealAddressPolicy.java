package dev.pinhole.dns.resolver;

import dev.pinhole.ipset.BlockKind;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.ipset.ForbiddenBlock;
import dev.pinhole.ipset.IpAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether a real upstream address may be mapped (DNS rebinding and SSRF protection), with the same
 * {@link ForbiddenAddresses} model as the data plane's policy: loopback, link-local, cloud metadata, unspecified,
 * multicast, reserved, cluster ranges, node and own addresses and the app range itself are refused unless a static
 * route names them (where their kind allows), and every IPv6 spelling of a forbidden IPv4 address (mapped,
 * compatible, NAT64, 6to4, Teredo) is refused as that IPv4 address.
 */
public final class RealAddressPolicy {
    private final ForbiddenAddresses forbidden;

    /** Judges answers by {@code forbidden}, the very blocks the data plane's policy forwards by. */
    public RealAddressPolicy(ForbiddenAddresses forbidden) {
        this.forbidden = forbidden;
    }

    /**
     * @param clusterRanges pod, service and node CIDRs (and the tunnel subnet) the connector must not reach
     * @param appRanges     the synthetic ranges
     * @param staticRoutes  the AppConnector's static route CIDRs: they may name a forbidden block
     */
    public RealAddressPolicy(List<Cidr> clusterRanges, List<Cidr> appRanges, List<Cidr> staticRoutes) {
        this(new ForbiddenAddresses(ForbiddenAddresses.builtInAnd(blocks(clusterRanges, appRanges)), staticRoutes));
    }

    private static List<ForbiddenBlock> blocks(List<Cidr> clusterRanges, List<Cidr> appRanges) {
        List<ForbiddenBlock> out = new ArrayList<>();
        appRanges.forEach(p -> out.add(new ForbiddenBlock(p, BlockKind.APP_RANGE)));
        clusterRanges.forEach(p -> out.add(new ForbiddenBlock(p, BlockKind.CLUSTER_RANGE)));
        return out;
    }

    /** Empty when {@code address} may be mapped, else the reason it may not. */
    public Optional<RefusalReason> check(InetAddress address) {
        return forbidden.blocking(IpAddress.of(address)).map(b -> reasonOf(b.kind()));
    }

    static RefusalReason reasonOf(BlockKind kind) {
        return switch (kind) {
            case UNSPECIFIED -> RefusalReason.UNSPECIFIED;
            case LOOPBACK -> RefusalReason.LOOPBACK;
            case LINK_LOCAL -> RefusalReason.LINK_LOCAL;
            case CLOUD_METADATA -> RefusalReason.CLOUD_METADATA;
            case MULTICAST -> RefusalReason.MULTICAST;
            case RESERVED -> RefusalReason.RESERVED;
            case ADDRESS_TRANSLATION -> RefusalReason.ADDRESS_TRANSLATION;
            case OWN_ADDRESS -> RefusalReason.OWN_ADDRESS;
            case NODE_ADDRESS -> RefusalReason.NODE_ADDRESS;
            case APP_RANGE -> RefusalReason.APP_RANGE;
            case CLUSTER_RANGE -> RefusalReason.CLUSTER_RANGE;
        };
    }
}
