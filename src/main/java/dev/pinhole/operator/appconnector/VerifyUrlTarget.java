package dev.pinhole.operator.appconnector;

import dev.pinhole.connector.config.ConfigProblem;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.IpEntryFormatException;
import dev.pinhole.ipset.IpFamily;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether {@code spec.egress.verify.url} names a host a tenant may make the connector fetch. The connector sends the
 * request from inside the cluster, so a URL at the cloud metadata service, a link-local, loopback or private
 * address, or a cluster-internal name would turn the AppConnector into a probe of places the tenant cannot reach
 * otherwise. An admin can allow them (pinhole.operator.verify-url-allow-internal), e.g. for a checkip service on a
 * private network. Names are judged by their spelling only: the operator never resolves them.
 */
public final class VerifyUrlTarget {
    static final String FIELD = "spec.egress.verify.url";

    /** Blocks no public checkip service lives in: metadata, link-local, loopback, private, CGNAT, ULA. */
    private static final List<Cidr> INTERNAL_BLOCKS = List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10",
            "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "::/128", "::1/128", "fc00::/7",
            "fe80::/10").stream().map(Cidr::parse).toList();

    /** Name suffixes that only resolve inside a cluster or a cloud's own network. */
    private static final List<String> INTERNAL_SUFFIXES = List.of(".svc", ".cluster.local", ".internal", ".local",
            ".localhost");
    private static final List<String> INTERNAL_NAMES = List.of("localhost", "metadata", "instance-data");

    private VerifyUrlTarget() {}

    /** Why the URL's host is refused; empty when it may be fetched. */
    public static Optional<ConfigProblem> problem(String url) {
        if (url == null) {
            return Optional.empty();
        }
        String host;
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                return refused(url, "not an http:// or https:// URL");
            }
            host = uri.getHost();
            if (uri.getRawUserInfo() != null) {
                return refused(url, "user information in the URL is not allowed");
            }
        } catch (URISyntaxException e) {
            return refused(url, "not a URL (" + e.getReason() + ")");
        }
        if (host == null || host.isEmpty()) {
            return refused(url, "no host: expected a public checkip service such as https://checkip.amazonaws.com");
        }
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        if (name.contains(":") || lastLabel(name).matches("^[0-9].*")) {
            return addressProblem(url, name);
        }
        if (!name.contains(".") || INTERNAL_NAMES.contains(name)
                || INTERNAL_SUFFIXES.stream().anyMatch(name::endsWith)) {
            return refused(url, "host " + host + " is a cluster-internal or metadata name: expected a public"
                    + " checkip service (an admin can allow internal targets with"
                    + " pinhole.operator.verify-url-allow-internal)");
        }
        return Optional.empty();
    }

    /**
     * No top-level domain starts with a digit: a host whose last label does is an address literal in some spelling
     * a resolver may accept (2852039166, 0xa9fea9fe, 169.254.43518), judged as the address it means or refused.
     */
    private static String lastLabel(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }

    private static Optional<ConfigProblem> addressProblem(String url, String literal) {
        IpAddress address;
        try {
            address = IpAddress.parse(literal);
        } catch (IpEntryFormatException e) {
            // 2852039166, 0xa9fea9fe, 169.254.43518: spellings resolvers accept for addresses we would refuse.
            return refused(url, "host " + literal + " is not a plain dotted-quad or IPv6 address");
        }
        IpAddress effective = unmapped(address);
        if (INTERNAL_BLOCKS.stream().anyMatch(b -> b.family() == effective.family() && b.contains(effective))) {
            return refused(url, "host " + literal + " is a link-local, metadata, loopback or private address:"
                    + " expected a public checkip service (an admin can allow internal targets with"
                    + " pinhole.operator.verify-url-allow-internal)");
        }
        return Optional.empty();
    }

    /** ::ffff:a.b.c.d is a.b.c.d on the wire. */
    private static IpAddress unmapped(IpAddress address) {
        if (address.family() == IpFamily.IPV6 && address.hi() == 0 && (address.lo() >>> 32) == 0xffffL) {
            return IpAddress.ofIpv4((int) address.lo());
        }
        return address;
    }

    private static Optional<ConfigProblem> refused(String url, String reason) {
        return Optional.of(new ConfigProblem(FIELD, url, reason));
    }
}
