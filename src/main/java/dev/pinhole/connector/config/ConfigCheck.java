package dev.pinhole.connector.config;

import dev.pinhole.connector.records.RecordSettings;
import dev.pinhole.dns.match.DomainPattern;
import dev.pinhole.dns.synthetic.SyntheticAddressPool;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.ipset.IpAddress;
import dev.pinhole.ipset.IpEntryFormatException;
import dev.pinhole.wireguard.Keys;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Checks a connector config's values and their relations: every address parses, client addresses are single
 * addresses inside the tunnel network, the app range and the routes stay clear of the tunnel, no IPv6 route reaches
 * a forbidden IPv4 block through a translation form ({@link ForbiddenAddresses#reachedThroughIpv6}, the model the
 * policy and the DNS answer check use), and the routes together stay under the open-proxy bound
 * ({@link RouteCoverage}). Each problem names its field (as a path in the config file) and the value. The operator
 * runs the same check on a rendered spec.
 *
 * <p>It is the one gate before the data plane: whatever building the runtime from a config could fail on (domain
 * patterns, the synthetic pool's range, client keys, the elastic IP) is refused here with the field named, so a
 * config that passes is applied whole and a config that fails changes nothing. Where a library owns a rule the
 * check asks that library ({@link DomainPattern#parse}, {@link SyntheticAddressPool#ipv4RangeProblem},
 * {@link Keys#isLowOrder}) rather than restating it.
 */
public final class ConfigCheck {
    /**
     * Clients one connector holds: the 5,000 of issue 17 with room to grow. What it bounds: about 2 KiB of heap per
     * idle peer with its client entry (docs/scale.md: 16 MiB at the bound, in a 126 MiB heap), one X25519 per new
     * peer at application, and the shards the operator renders (16 of 512 KiB). The flow budget (16,384 by default)
     * is shared, not multiplied: more clients do not mean more flows.
     */
    public static final int MAX_CLIENTS = 8_192;
    /**
     * Static routes one connector holds (spec.routes.cidrs with its IPSets merged): AWS's whole ip-ranges.json
     * (about 10,000 prefixes) fits. What it bounds: the route table the policy builds, the main config (routes are
     * not sharded: about 20 bytes each, 330 KB at the bound, under a ConfigMap's 1 MiB) and every client file's
     * AllowedIPs. The operator refuses an IPSet whose merged list is longer with this same number.
     */
    public static final int MAX_ROUTES = 16_384;

    private ConfigCheck() {}

    public static List<ConfigProblem> check(ConnectorConfig config) {
        return check(config, UnaryOperator.identity());
    }

    /**
     * As {@link #check(ConnectorConfig)}, naming every field (also those a reason refers to) through {@code field},
     * so a caller that rendered the config from another document reports that document's paths.
     */
    public static List<ConfigProblem> check(ConnectorConfig config, UnaryOperator<String> field) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (config.egress() == null || config.egress().elasticIP() == null) {
            problems.add(new ConfigProblem(field.apply("egress.elasticIP"), null, "required"));
        } else {
            IpAddress elastic = parseAddress(field.apply("egress.elasticIP"), config.egress().elasticIP(), problems);
            if (elastic != null) {
                notUnicast(elastic).ifPresent(why -> problems.add(new ConfigProblem(field.apply("egress.elasticIP"),
                        config.egress().elasticIP(), why + "; the elastic IP is the unicast address apps see")));
            }
            if (config.egress().enforce() && config.egress().verifyUrl() == null) {
                problems.add(new ConfigProblem(field.apply("egress.verifyUrl"), null, "required when egress.enforce is true"));
            }
        }
        ConnectorConfig.WireGuardInterface tunnel = config.tunnel();
        if (tunnel == null) {
            problems.add(new ConfigProblem(field.apply("tunnel"), null, "required"));
            return problems;
        }
        if (tunnel.listenPort() < 1 || tunnel.listenPort() > 65535) {
            problems.add(new ConfigProblem(field.apply("tunnel.listenPort"), String.valueOf(tunnel.listenPort()),
                    "must be 1..65535"));
        }
        if (tunnel.mtu() < 1280 || tunnel.mtu() > 9000) {
            problems.add(new ConfigProblem(field.apply("tunnel.mtu"), String.valueOf(tunnel.mtu()), "must be 1280..9000"));
        }
        IpAddress tunnelAddress = null;
        Cidr tunnelNet = null;
        String[] parts = String.valueOf(tunnel.address()).split("/", -1);
        if (parts.length != 2) {
            problems.add(new ConfigProblem(field.apply("tunnel.address"), tunnel.address(), "expected address/prefix"));
        } else {
            tunnelAddress = parseAddress(field.apply("tunnel.address"), parts[0], problems);
            Integer prefix = parsePrefix(parts[1]);
            if (prefix == null) {
                problems.add(new ConfigProblem(field.apply("tunnel.address"), tunnel.address(), "prefix length is not a number"));
            } else if (tunnelAddress != null) {
                try {
                    tunnelNet = Cidr.containing(tunnelAddress, prefix);
                } catch (IllegalArgumentException e) {
                    problems.add(new ConfigProblem(field.apply("tunnel.address"), tunnel.address(), reason(e)));
                }
            }
        }
        Cidr appRange = parseCidr(field.apply("tunnel.appRange"), tunnel.appRange(), problems);
        if (appRange != null) {
            SyntheticAddressPool.ipv4RangeProblem(appRange).ifPresent(why -> problems.add(
                    new ConfigProblem(field.apply("tunnel.appRange"), tunnel.appRange(), why)));
        }
        if (appRange != null && tunnelNet != null && overlaps(appRange, tunnelNet)) {
            problems.add(new ConfigProblem(field.apply("tunnel.appRange"), tunnel.appRange(),
                    "overlaps the tunnel network " + tunnelNet));
        }
        checkClients(config.clients(), tunnelAddress, tunnelNet, problems, field);
        checkNetwork(config.network(), problems, field);
        checkDomains(config.domains(), problems, field);
        if (config.http() == null) {
            problems.add(new ConfigProblem(field.apply("http"), null, "required"));
        } else if (config.http().port() < 0 || config.http().port() > 65535) {
            problems.add(new ConfigProblem(field.apply("http.port"), String.valueOf(config.http().port()),
                    "must be 0..65535 (0: any free port)"));
        }
        problems.addAll(checkRoutes(appRange, tunnelNet, config.routes(), field,
                ForbiddenDestinations.of(config, ForbiddenAddresses.DEFAULT_CLUSTER_RANGES, List.of())));
        if (config.dns() != null && config.dns().upstream() != null) {
            List<String> upstream = config.dns().upstream();
            for (int i = 0; i < upstream.size(); i++) {
                parseAddress(field.apply("dns.upstream[" + i + "]"), upstream.get(i), problems);
            }
        }
        checkLimits(config.limits(), problems, field);
        checkRecords(config.records(), problems, field);
        AccessRulesCheck.check(config, problems, field);
        PeerShardsCheck.check(config, problems, field);
        return problems;
    }

    /**
     * Checks static routes against the tunnel of a config: each must parse and stay clear of the app range and the
     * tunnel network. The operator also runs it on the route list merged with resolved IPSets.
     */
    public static List<ConfigProblem> checkRoutes(ConnectorConfig.WireGuardInterface tunnel, List<String> routes,
                                                  UnaryOperator<String> field) {
        List<ConfigProblem> ignored = new ArrayList<>();
        Cidr appRange = tunnel == null ? null : parseCidr("tunnel.appRange", tunnel.appRange(), ignored);
        ConnectorConfig routesOnly = new ConnectorConfig(null, null, null, tunnel, null, null, routes, null, null,
                null);
        return checkRoutes(appRange, tunnel == null ? null : tunnelNetwork(tunnel), routes, field,
                ForbiddenDestinations.of(routesOnly, ForbiddenAddresses.DEFAULT_CLUSTER_RANGES, List.of()));
    }

    private static List<ConfigProblem> checkRoutes(Cidr appRange, Cidr tunnelNet, List<String> routes,
                                                   UnaryOperator<String> field, ForbiddenAddresses forbidden) {
        List<ConfigProblem> problems = new ArrayList<>();
        List<String> all = routes == null ? List.of() : routes;
        if (all.size() > MAX_ROUTES) {
            // Before anything is parsed: a longer list is refused whole, and its length costs nothing more.
            problems.add(new ConfigProblem(field.apply("routes"), all.size() + " routes",
                    "at most " + MAX_ROUTES + " routes per connector (spec.routes.cidrs and its IPSets merged)"));
            return problems;
        }
        List<Cidr> accepted = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            String name = field.apply("routes[" + i + "]");
            int before = problems.size();
            Cidr route = parseCidr(name, all.get(i), problems);
            if (route != null && appRange != null && overlaps(route, appRange)) {
                problems.add(new ConfigProblem(name, all.get(i),
                        "overlaps " + field.apply("tunnel.appRange") + " " + appRange));
            }
            if (route != null && tunnelNet != null && overlaps(route, tunnelNet)) {
                problems.add(new ConfigProblem(name, all.get(i), "overlaps the tunnel network " + tunnelNet));
            }
            String text = all.get(i);
            if (route != null) {
                forbidden.reachedThroughIpv6(route).ifPresent(reach -> problems.add(new ConfigProblem(name,
                        text, "reaches IPv4 " + reach.ipv4() + " through the " + reach.form() + " form,"
                        + " which holds the forbidden " + reach.block() + "; an IPv6 route must not spell"
                        + " forbidden IPv4 (name an IPv4 destination as an IPv4 route)")));
            }
            if (route != null && problems.size() == before) {
                accepted.add(route);
            }
        }
        RouteCoverage.openProxy(accepted).ifPresent(reason -> problems.add(new ConfigProblem(field.apply("routes"),
                accepted.size() + (accepted.size() == 1 ? " route" : " routes"), reason)));
        return problems;
    }

    private static void checkNetwork(ConnectorConfig.Network network, List<ConfigProblem> problems,
                                     UnaryOperator<String> field) {
        if (network == null) {
            return;
        }
        List<String> nodes = network.nodeAddresses() == null ? List.of() : network.nodeAddresses();
        for (int i = 0; i < nodes.size(); i++) {
            parseAddress(field.apply("network.nodeAddresses[" + i + "]"), nodes.get(i), problems);
        }
        List<String> ranges = network.clusterRanges() == null ? List.of() : network.clusterRanges();
        for (int i = 0; i < ranges.size(); i++) {
            parseCidr(field.apply("network.clusterRanges[" + i + "]"), ranges.get(i), problems);
        }
    }

    /** The tunnel network from "address/prefix", or null when it does not parse (reported by check). */
    private static Cidr tunnelNetwork(ConnectorConfig.WireGuardInterface tunnel) {
        String[] parts = String.valueOf(tunnel.address()).split("/", -1);
        Integer prefix = parts.length == 2 ? parsePrefix(parts[1]) : null;
        if (prefix == null) {
            return null;
        }
        try {
            return Cidr.containing(IpAddress.parse(parts[0]), prefix);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void checkClients(List<ConnectorConfig.Client> clients, IpAddress tunnelAddress, Cidr tunnelNet,
                                     List<ConfigProblem> problems, UnaryOperator<String> field) {
        if (clients == null) {
            return;
        }
        if (clients.size() > MAX_CLIENTS) {
            // One problem for the list, not one per entry: a list over the bound costs no per-entry work.
            problems.add(new ConfigProblem(field.apply("clients"), clients.size() + " clients",
                    "at most " + MAX_CLIENTS + " clients per connector"));
            return;
        }
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> keys = new HashMap<>();
        Map<IpAddress, Integer> addresses = new HashMap<>();
        for (int i = 0; i < clients.size(); i++) {
            ConnectorConfig.Client client = clients.get(i);
            String base = "clients[" + i + "]";  // config path; named through field
            Integer firstName = client.name() == null ? null : names.putIfAbsent(client.name(), i);
            if (client.name() == null || client.name().isBlank()) {
                problems.add(new ConfigProblem(field.apply(base + ".name"), client.name(), "required"));
            } else if (firstName != null) {
                problems.add(new ConfigProblem(field.apply(base + ".name"), client.name(),
                        "duplicate of " + field.apply("clients[" + firstName + "].name")));
            }
            java.util.Optional<String> keyProblem = clientKeyProblem(client.publicKey());
            if (keyProblem.isPresent()) {
                problems.add(new ConfigProblem(field.apply(base + ".publicKey"), client.publicKey(), keyProblem.get()));
            } else {
                Integer firstKey = keys.putIfAbsent(client.publicKey(), i);
                if (firstKey != null) {
                    problems.add(new ConfigProblem(field.apply(base + ".publicKey"), client.publicKey(),
                            "duplicate of " + field.apply("clients[" + firstKey + "].publicKey")));
                }
            }
            String text = client.address();
            if (text == null) {
                problems.add(new ConfigProblem(field.apply(base + ".address"), null, "required"));
                continue;
            }
            String[] parts = text.split("/", -1);
            IpAddress address = parseAddress(field.apply(base + ".address"), parts[0], problems);
            if (address == null) {
                continue;
            }
            int hostPrefix = address.family().bits();
            if (parts.length != 2 || !parts[1].equals(String.valueOf(hostPrefix))) {
                problems.add(new ConfigProblem(field.apply(base + ".address"), text,
                        "must be a single address written as /" + hostPrefix));
                continue;
            }
            if (tunnelNet != null && !tunnelNet.contains(address)) {
                problems.add(new ConfigProblem(field.apply(base + ".address"), text, "outside the tunnel network " + tunnelNet));
            }
            if (address.equals(tunnelAddress)) {
                problems.add(new ConfigProblem(field.apply(base + ".address"), text, "is the connector's own tunnel address"));
            }
            Integer firstAddress = addresses.putIfAbsent(address, i);
            if (firstAddress != null) {
                problems.add(new ConfigProblem(field.apply(base + ".address"), text,
                        "duplicate of " + field.apply("clients[" + firstAddress + "].address")));
            }
        }
    }

    /** Each pattern as the DNS matcher parses it ({@link DomainPattern#parse}, what DomainMatcher.parse calls). */
    private static void checkDomains(List<String> domains, List<ConfigProblem> problems, UnaryOperator<String> field) {
        if (domains == null) {
            return;
        }
        for (int i = 0; i < domains.size(); i++) {
            try {
                DomainPattern.parse(domains.get(i));
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem(field.apply("domains[" + i + "]"), domains.get(i), reason(e)));
            }
        }
    }

    /**
     * Why {@code address} is not a unicast host address, or empty. Mapped IPv6 forms ({@code ::ffff:a.b.c.d}) are
     * judged as the IPv4 inside (the JDK turns 16 such bytes into an IPv4 address).
     */
    static java.util.Optional<String> notUnicast(IpAddress address) {
        InetAddress a = toInet(address);
        if (a.isAnyLocalAddress()) {
            return java.util.Optional.of("the unspecified address");
        }
        if (a.isMulticastAddress()) {
            return java.util.Optional.of("a multicast address");
        }
        if (a.isLoopbackAddress()) {
            return java.util.Optional.of("a loopback address");
        }
        if (a.isLinkLocalAddress()) {
            return java.util.Optional.of("a link-local address");
        }
        byte[] b = a.getAddress();
        if (b.length == 4 && (b[0] & 0xf0) == 0xf0) {
            return java.util.Optional.of("a reserved or broadcast address (240.0.0.0/4)");
        }
        if (b.length == 4 && b[0] == 0) {
            return java.util.Optional.of("in 0.0.0.0/8 (this network), not a host address");
        }
        return java.util.Optional.empty();
    }

    private static InetAddress toInet(IpAddress address) {
        try {
            return InetAddress.getByAddress(address.toBytes());
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes always make an address", e);
        }
    }

    /**
     * Why {@code key} cannot be a client's public key (not 32 bytes of base64, or a low-order X25519 point), or
     * empty when it can. The operator asks it of each Client before admitting it, so one bad key refuses that
     * Client alone instead of the connector's whole config.
     */
    public static java.util.Optional<String> clientKeyProblem(String key) {
        if (!isWireGuardKey(key)) {
            return java.util.Optional.of("not a WireGuard key (32 bytes, base64)");
        }
        if (CheckedKeys.isLowOrder(key)) {
            return java.util.Optional.of(
                    "a low-order X25519 point (every shared secret with it is zero): not a real client key");
        }
        return java.util.Optional.empty();
    }

    static boolean isWireGuardKey(String text) {
        try {
            Keys.fromBase64(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean overlaps(Cidr a, Cidr b) {
        return a.family() == b.family() && (a.contains(b.first()) || b.contains(a.first()));
    }

    private static IpAddress parseAddress(String field, String text, List<ConfigProblem> problems) {
        try {
            return IpAddress.parse(text);
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem(field, text, reason(e)));
            return null;
        }
    }

    private static Cidr parseCidr(String field, String text, List<ConfigProblem> problems) {
        try {
            return Cidr.parse(text);
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem(field, text, reason(e)));
            return null;
        }
    }

    private static Integer parsePrefix(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String reason(IllegalArgumentException e) {
        if (e instanceof IpEntryFormatException f) {
            return f.reason();
        }
        return e.getMessage() == null ? "invalid" : e.getMessage();
    }

    /** Each bound positive, per client not above the total (a per-client bound above the total would be a lie). */
    private static void checkRecords(ConnectorConfig.Records records, List<ConfigProblem> problems,
                                     UnaryOperator<String> field) {
        if (records == null) {
            return;
        }
        if (records.flows() != null && RecordSettings.FlowRecords.of(records.flows()) == null) {
            problems.add(new ConfigProblem(field.apply("records.flows"), records.flows(),
                    "must be end, startAndEnd or none"));
        }
        if (records.clientEndpoints() != null && !records.clientEndpoints().equals("include")
                && !records.clientEndpoints().equals("omit")) {
            problems.add(new ConfigProblem(field.apply("records.clientEndpoints"), records.clientEndpoints(),
                    "must be include or omit"));
        }
        Integer rate = records.refusalsPerSecond();
        if (rate != null && (rate < 1 || rate > RecordSettings.MAX_REFUSALS_PER_SECOND)) {
            problems.add(new ConfigProblem(field.apply("records.refusalsPerSecond"), String.valueOf(rate),
                    "must be 1.." + RecordSettings.MAX_REFUSALS_PER_SECOND));
        }
        Integer active = records.activeTimeoutSeconds();
        if (active != null && (active < 0 || active > RecordSettings.MAX_ACTIVE_TIMEOUT_SECONDS)) {
            problems.add(new ConfigProblem(field.apply("records.activeTimeoutSeconds"), String.valueOf(active),
                    "must be 0.." + RecordSettings.MAX_ACTIVE_TIMEOUT_SECONDS + " (0: no update records)"));
        }
    }

    private static void checkLimits(ConnectorConfig.Limits limits, List<ConfigProblem> problems,
                                    UnaryOperator<String> field) {
        if (limits == null) {
            return;
        }
        ConnectorConfig.Limits effective = ConnectorConfig.Limits.DEFAULTS.overriddenBy(limits);
        checkLimit("limits.flows", limits.flows(), effective.flows(), Integer.MAX_VALUE, problems, field);
        checkLimit("limits.bufferBytes", limits.bufferBytes(), effective.bufferBytes(), Long.MAX_VALUE / 4, problems,
                field);
        checkLimit("limits.syntheticNames", limits.syntheticNames(), effective.syntheticNames(), Integer.MAX_VALUE,
                problems, field);
        checkLimit("limits.dnsQueries", limits.dnsQueries(), effective.dnsQueries(), Integer.MAX_VALUE, problems,
                field);
        checkLimit("limits.dnsTcpSessions", limits.dnsTcpSessions(), effective.dnsTcpSessions(), Integer.MAX_VALUE,
                problems, field);
    }

    private static void checkLimit(String name, ConnectorConfig.Limit given, ConnectorConfig.Limit effective,
                                   long max, List<ConfigProblem> problems, UnaryOperator<String> field) {
        if (given == null) {
            return;
        }
        boolean bad = false;
        for (var half : List.of(java.util.Map.entry("perClient", java.util.Optional.ofNullable(given.perClient())),
                java.util.Map.entry("total", java.util.Optional.ofNullable(given.total())))) {
            if (half.getValue().isPresent() && (half.getValue().get() < 1 || half.getValue().get() > max)) {
                problems.add(new ConfigProblem(field.apply(name + "." + half.getKey()),
                        String.valueOf(half.getValue().get()), "must be 1.." + max));
                bad = true;
            }
        }
        if (!bad && effective.perClient() > effective.total()) {
            problems.add(new ConfigProblem(field.apply(name + ".perClient"), String.valueOf(effective.perClient()),
                    "must not exceed " + name + ".total (" + effective.total() + ")"));
        }
    }
}
