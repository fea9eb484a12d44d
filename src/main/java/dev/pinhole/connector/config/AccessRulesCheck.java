package dev.pinhole.connector.config;

import dev.pinhole.dns.match.DomainPattern;
import dev.pinhole.dns.message.DnsName;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The part of {@link ConfigCheck} about who may reach what: clients' groups and the {@code access} rules. A rule
 * may only narrow what the connector carries (each domain one of the config's domains or under one of its
 * wildcards, each route inside the config's routes), names only clients the config has, and everything is bounded
 * so the per-client grants the connector precomputes stay small.
 */
final class AccessRulesCheck {
    /** Rules in one config. */
    static final int MAX_RULES = 256;
    /** Groups one client belongs to. */
    static final int MAX_GROUPS_PER_CLIENT = 32;
    /** Entries in one list of one rule (groups, clients, domains, routes). */
    static final int MAX_RULE_ENTRIES = 256;
    /** Group and rule names: a DNS label (RFC 1123), lower case, at most 63 characters. */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final String LABEL_EXPECTED =
            "expected a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit,"
                    + " at most 63 characters";

    private AccessRulesCheck() {}

    static void check(ConnectorConfig config, List<ConfigProblem> problems, UnaryOperator<String> field) {
        List<ConnectorConfig.Client> clients = config.clients() == null ? List.of() : config.clients();
        for (int i = 0; i < clients.size(); i++) {
            checkGroups(clients.get(i).groupList(), "clients[" + i + "].groups", MAX_GROUPS_PER_CLIENT, problems,
                    field);
        }
        List<ConnectorConfig.AccessRule> rules = config.access() == null ? List.of() : config.access();
        if (rules.size() > MAX_RULES) {
            problems.add(new ConfigProblem(field.apply("access"), rules.size() + " rules",
                    "at most " + MAX_RULES + " rules"));
            return;
        }
        List<DomainPattern> domains = parsedDomains(config.domains());
        IpSet routes = parsedRoutes(config.routes());
        Map<String, Integer> names = new HashMap<>();
        for (int r = 0; r < rules.size(); r++) {
            ConnectorConfig.AccessRule rule = rules.get(r);
            String base = "access[" + r + "]";
            if (rule == null) {
                problems.add(new ConfigProblem(field.apply(base), null, "required"));
                continue;
            }
            checkName(rule, base, names, r, problems, field);
            checkGroups(rule.groupList(), base + ".groups", MAX_RULE_ENTRIES, problems, field);
            checkClients(rule, base, problems, field);
            checkDomains(rule, base, domains, problems, field);
            checkRoutes(rule, base, routes, problems, field);
            if (rule.groupList().isEmpty() && rule.clientList().isEmpty()) {
                problems.add(new ConfigProblem(field.apply(base), rule.name(),
                        "grants nobody: name " + field.apply(base + ".groups") + " or "
                                + field.apply(base + ".clients")));
            }
            if (rule.domainList().isEmpty() && rule.routeList().isEmpty()) {
                problems.add(new ConfigProblem(field.apply(base), rule.name(),
                        "grants nothing: name " + field.apply(base + ".domains") + " or "
                                + field.apply(base + ".routes")));
            }
        }
    }

    private static void checkName(ConnectorConfig.AccessRule rule, String base, Map<String, Integer> names, int r,
                                  List<ConfigProblem> problems, UnaryOperator<String> field) {
        if (rule.name() == null || !LABEL.matcher(rule.name()).matches()) {
            problems.add(new ConfigProblem(field.apply(base + ".name"), rule.name(),
                    rule.name() == null ? "required" : LABEL_EXPECTED));
            return;
        }
        Integer first = names.putIfAbsent(rule.name(), r);
        if (first != null) {
            problems.add(new ConfigProblem(field.apply(base + ".name"), rule.name(),
                    "duplicate of " + field.apply("access[" + first + "].name")));
        }
    }

    private static boolean overBound(List<?> list, String path, int max, List<ConfigProblem> problems,
                                     UnaryOperator<String> field) {
        if (list.size() > max) {
            problems.add(new ConfigProblem(field.apply(path), list.size() + " entries", "at most " + max));
            return true;
        }
        return false;
    }

    private static void checkGroups(List<String> groups, String path, int max, List<ConfigProblem> problems,
                                    UnaryOperator<String> field) {
        if (overBound(groups, path, max, problems, field)) {
            return;
        }
        for (int g = 0; g < groups.size(); g++) {
            String group = groups.get(g);
            if (group == null || !LABEL.matcher(group).matches()) {
                problems.add(new ConfigProblem(field.apply(path + "[" + g + "]"), group, LABEL_EXPECTED));
            }
        }
    }

    /**
     * Only the bound: a name the connector has no client for is not refused, since refusing it would keep a removed
     * client's key in force until every rule naming it is edited too; such a name is granted nothing.
     */
    private static void checkClients(ConnectorConfig.AccessRule rule, String base, List<ConfigProblem> problems,
                                     UnaryOperator<String> field) {
        overBound(rule.clientList(), base + ".clients", MAX_RULE_ENTRIES, problems, field);
    }

    private static void checkDomains(ConnectorConfig.AccessRule rule, String base, List<DomainPattern> served,
                                     List<ConfigProblem> problems, UnaryOperator<String> field) {
        checkEntries(rule.domainList(), base + ".domains", DomainPattern::parse,
                served == null ? null : pattern -> covered(pattern, served),
                "not one of " + field.apply("domains")
                        + " nor under one of its wildcards: a rule can only grant what the connector serves",
                problems, field);
    }

    /**
     * True when every name {@code pattern} matches is matched by {@code served}: an exact name matched by some
     * served pattern; a wildcard equal to a served wildcard or below one.
     */
    static boolean covered(DomainPattern pattern, List<DomainPattern> served) {
        DnsName suffix = DnsName.of(pattern.suffix());
        for (DomainPattern s : served) {
            if (s.equals(pattern)) {
                return true;
            }
            boolean below = s.kind() == DomainPattern.Kind.SUBDOMAINS && s.matches(suffix);
            if (pattern.kind() == DomainPattern.Kind.EXACT ? s.matches(suffix) : below) {
                return true;
            }
        }
        return false;
    }

    private static void checkRoutes(ConnectorConfig.AccessRule rule, String base, IpSet served,
                                    List<ConfigProblem> problems, UnaryOperator<String> field) {
        checkEntries(rule.routeList(), base + ".routes", Cidr::parse,
                served == null ? null : route -> IpSet.builder().add(route).build().exclude(served).isEmpty(),
                "not inside " + field.apply("routes") + ": a rule can only grant what the connector forwards",
                problems, field);
    }

    /**
     * Each entry of a rule's list (within its bound) parses and, unless {@code inside} is null (the config's own
     * list did not parse: reported there), lies inside what the connector carries.
     */
    private static <T> void checkEntries(List<String> entries, String path, Function<String, T> parse,
                                         Predicate<T> inside, String outside, List<ConfigProblem> problems,
                                         UnaryOperator<String> field) {
        if (overBound(entries, path, MAX_RULE_ENTRIES, problems, field)) {
            return;
        }
        for (int i = 0; i < entries.size(); i++) {
            String entryPath = field.apply(path + "[" + i + "]");
            T parsed;
            try {
                parsed = parse.apply(entries.get(i));
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem(entryPath, entries.get(i), String.valueOf(e.getMessage())));
                continue;
            }
            if (inside != null && !inside.test(parsed)) {
                problems.add(new ConfigProblem(entryPath, entries.get(i), outside));
            }
        }
    }

    /** The config's patterns, or null when one does not parse (reported by the domain check). */
    private static List<DomainPattern> parsedDomains(List<String> domains) {
        List<DomainPattern> out = new ArrayList<>();
        try {
            for (String d : domains == null ? List.<String>of() : domains) {
                out.add(DomainPattern.parse(d));
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return out;
    }

    /** The config's routes as one set, or null when one does not parse (reported by the route check). */
    private static IpSet parsedRoutes(List<String> routes) {
        var builder = IpSet.builder();
        try {
            for (String r : routes == null ? List.<String>of() : routes) {
                builder.add(Cidr.parse(r));
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return builder.build();
    }
}
