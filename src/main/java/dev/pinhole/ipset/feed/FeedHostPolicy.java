package dev.pinhole.ipset.feed;

import dev.pinhole.ipset.BlockKind;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.ipset.ForbiddenBlock;
import dev.pinhole.ipset.IpAddress;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where the operator may fetch feeds from, so a namespace user who writes an IPSet cannot make it fetch from
 * inside the cluster: only hosts the cluster admin lists, HTTPS unless the admin allows plain HTTP for a host,
 * no user info in URLs, and every address the host resolves to outside the forbidden blocks (the same model as
 * the connector's policy: loopback, link-local, metadata, cluster ranges and their IPv6 spellings).
 */
public final class FeedHostPolicy {
    private final Set<String> allowedHosts;
    private final Set<String> plainHttpHosts;
    private final ForbiddenAddresses forbidden;

    /**
     * @param allowedHosts host names (any port) feeds may come from, compared case-insensitively
     * @param plainHttpHosts the subset that may be fetched over plain HTTP
     * @param forbidden the blocks no resolved address may fall in
     */
    public FeedHostPolicy(Set<String> allowedHosts, Set<String> plainHttpHosts, ForbiddenAddresses forbidden) {
        this.allowedHosts = lower(allowedHosts.stream().map(FeedHostPolicy::hostOf).collect(Collectors.toSet()));
        this.plainHttpHosts = lower(plainHttpHosts.stream().map(FeedHostPolicy::hostOf)
                .collect(Collectors.toSet()));
        this.forbidden = forbidden;
    }

    /**
     * The host an admin's entry names: {@code api.github.com} as written, and also {@code https://api.github.com},
     * {@code https://api.github.com/} or {@code api.github.com:443} (a careless entry that would otherwise match
     * no URL and refuse every source). An entry with a path, query or user info is refused, naming it: it looks
     * like a URL allowlist, which this is not.
     */
    static String hostOf(String entry) {
        String text = entry.trim();
        String rest = text.contains("://") ? text.substring(text.indexOf("://") + 3) : text;
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.contains("/") || rest.contains("?") || rest.contains("#") || rest.contains("@") || rest.isEmpty()) {
            throw new IllegalArgumentException("feed host " + FeedParseException.quote(entry)
                    + ": expected a host name such as api.github.com (any port; no path, query or user info)");
        }
        int colon = rest.lastIndexOf(':');
        if (colon > 0 && rest.indexOf(':') == colon && rest.substring(colon + 1).matches("[0-9]{1,5}")) {
            rest = rest.substring(0, colon);
        }
        return rest;
    }

    /**
     * The blocks a feed host may not resolve into: the built-in ones (loopback, link-local, metadata, ...) and
     * the cluster's pod, service and node ranges, as the connector's policy forbids them.
     */
    public static List<ForbiddenBlock> forbiddenBlocks(List<Cidr> clusterRanges) {
        return ForbiddenAddresses.builtInAnd(clusterRanges.stream()
                .map(range -> new ForbiddenBlock(range, BlockKind.CLUSTER_RANGE)).toList());
    }

    /** Why {@code url} may not be fetched, or empty when its scheme and host are allowed. */
    public Optional<String> refuseUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        String host = url.getHost() == null ? null : url.getHost().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || host == null || host.isEmpty()) {
            return Optional.of("not an absolute URL with a host");
        }
        if (url.getRawUserInfo() != null) {
            return Optional.of("user info in the URL is not allowed");
        }
        if (!allowedHosts.contains(host)) {
            return Optional.of("host " + FeedParseException.quote(host)
                    + " is not in the operator's allowed feed hosts");
        }
        if (scheme.equals("http")) {
            return plainHttpHosts.contains(host) ? Optional.empty()
                    : Optional.of("plain http is not allowed for host " + FeedParseException.quote(host));
        }
        return scheme.equals("https") ? Optional.empty() : Optional.of("scheme " + FeedParseException.quote(scheme)
                + " is not https");
    }

    /** Why the resolved addresses may not be dialled (the first forbidden one), or empty when all may. */
    public Optional<String> refuseAddresses(String host, List<InetAddress> addresses) {
        if (addresses.isEmpty()) {
            return Optional.of("host " + FeedParseException.quote(host) + " resolved to no address");
        }
        for (InetAddress address : addresses) {
            Optional<ForbiddenBlock> block = forbidden.blocking(IpAddress.of(address));
            if (block.isPresent()) {
                return Optional.of("host " + FeedParseException.quote(host) + " resolves to "
                        + address.getHostAddress() + ", inside the forbidden block " + block.get().cidr() + " ("
                        + block.get().kind().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")");
            }
        }
        return Optional.empty();
    }

    private static Set<String> lower(Set<String> hosts) {
        return hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }
}
