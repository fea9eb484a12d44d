package dev.pinhole.connector.config;

import dev.pinhole.ipset.BlockKind;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.ipset.ForbiddenBlock;
import dev.pinhole.ipset.IpAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The forbidden blocks of a config, in the order they are checked: built in, the pod's own addresses, the node
 * addresses and cluster ranges the operator rendered ({@code network}), the app range, then the cluster ranges of
 * the process ({@code PINHOLE_CLUSTER_CIDRS} or the private defaults). The policy, the DNS answer check and the
 * config check all judge addresses by this one list.
 */
public final class ForbiddenDestinations {
    private ForbiddenDestinations() {}

    /** The model for a config; entries that do not parse are left out ({@link ConfigCheck} reports them). */
    public static ForbiddenAddresses of(ConnectorConfig config, List<Cidr> clusterRanges,
                                        List<IpAddress> ownAddresses) {
        return new ForbiddenAddresses(blocks(config, clusterRanges, ownAddresses), routes(config));
    }

    /** As {@link #of(ConnectorConfig, List, List)} with the app range in force (the pool's), besides the config's. */
    public static ForbiddenAddresses of(ConnectorConfig config, Cidr appRangeInForce, List<Cidr> clusterRanges,
                                        List<IpAddress> ownAddresses) {
        List<ForbiddenBlock> blocks = new ArrayList<>(blocks(config, clusterRanges, ownAddresses));
        blocks.add(new ForbiddenBlock(appRangeInForce, BlockKind.APP_RANGE));
        return new ForbiddenAddresses(blocks, routes(config));
    }

    static List<ForbiddenBlock> blocks(ConnectorConfig config, List<Cidr> clusterRanges,
                                       List<IpAddress> ownAddresses) {
        List<ForbiddenBlock> out = new ArrayList<>();
        ownAddresses.forEach(a -> out.add(new ForbiddenBlock(host(a), BlockKind.OWN_ADDRESS)));
        ConnectorConfig.Network network = config.network();
        if (network != null && network.nodeAddresses() != null) {
            for (String a : network.nodeAddresses()) {
                IpAddress address = parseOrNull(a);
                if (address != null) {
                    out.add(new ForbiddenBlock(host(address), BlockKind.NODE_ADDRESS));
                }
            }
        }
        if (network != null && network.clusterRanges() != null) {
            network.clusterRanges().forEach(c -> addCidr(out, c, BlockKind.CLUSTER_RANGE));
        }
        if (config.tunnel() != null) {
            addCidr(out, config.tunnel().appRange(), BlockKind.APP_RANGE);
        }
        clusterRanges.forEach(c -> out.add(new ForbiddenBlock(c, BlockKind.CLUSTER_RANGE)));
        return ForbiddenAddresses.builtInAnd(out);
    }

    /** The static routes that parse (they may name nameable blocks). */
    static List<Cidr> routes(ConnectorConfig config) {
        List<Cidr> out = new ArrayList<>();
        if (config.routes() != null) {
            for (String r : config.routes()) {
                try {
                    out.add(Cidr.parse(r));
                } catch (IllegalArgumentException e) {
                    // reported by ConfigCheck
                }
            }
        }
        return out;
    }

    private static void addCidr(List<ForbiddenBlock> out, String text, BlockKind kind) {
        try {
            out.add(new ForbiddenBlock(Cidr.parse(text), kind));
        } catch (IllegalArgumentException | NullPointerException e) {
            // reported by ConfigCheck
        }
    }

    private static IpAddress parseOrNull(String text) {
        try {
            return IpAddress.parse(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
    }

    private static Cidr host(IpAddress a) {
        return new Cidr(a, a.family().bits());
    }
}
