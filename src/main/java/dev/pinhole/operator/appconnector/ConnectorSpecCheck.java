package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.connector.config.ConfigProblem;
import dev.pinhole.ipset.Cidr;
import dev.pinhole.ipset.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the CRD's schema and CEL rules cannot check about an AppConnector spec: that client addresses sit inside
 * the tunnel, that the app range and static routes do not collide with the tunnel, that every address parses.
 * Each problem names the field and the value.
 */
public final class ConnectorSpecCheck {
    private ConnectorSpecCheck() {}

    public static List<ConfigProblem> check(AppConnectorSpec spec) {
        List<ConfigProblem> problems = new ArrayList<>();
        if (spec.getEgress() == null || spec.getEgress().getElasticIP() == null) {
            problems.add(new ConfigProblem("spec.egress.elasticIP", null, "required"));
        } else {
            parseAddress("spec.egress.elasticIP", spec.getEgress().getElasticIP(), problems);
        }
        AppConnectorSpec.Tunnel tunnel = ConnectorConfigRenderer.tunnel(spec);
        IpAddress tunnelAddress = null;
        Cidr tunnelNet = null;
        String[] parts = tunnel.getAddress().split("/", -1);
        if (parts.length != 2) {
            problems.add(new ConfigProblem("spec.tunnel.address", tunnel.getAddress(), "expected address/prefix"));
        } else {
            tunnelAddress = parseAddress("spec.tunnel.address", parts[0], problems);
            Integer prefix = parsePrefix("spec.tunnel.address", tunnel.getAddress(), parts[1], problems);
            if (tunnelAddress != null && prefix != null) {
                try {
                    tunnelNet = Cidr.containing(tunnelAddress, prefix);
                } catch (IllegalArgumentException e) {
                    problems.add(new ConfigProblem("spec.tunnel.address", tunnel.getAddress(), e.getMessage()));
                }
            }
        }
        Cidr appRange = parseCidr("spec.tunnel.appRange", tunnel.getAppRange(), problems);
        if (appRange != null && tunnelNet != null && overlaps(appRange, tunnelNet)) {
            problems.add(new ConfigProblem("spec.tunnel.appRange", tunnel.getAppRange(),
                    "overlaps the tunnel network " + tunnelNet));
        }
        checkClients(spec.getClients(), tunnelAddress, tunnelNet, problems);
        if (spec.getRoutes() != null && spec.getRoutes().getCidrs() != null) {
            List<String> cidrs = spec.getRoutes().getCidrs();
            for (int i = 0; i < cidrs.size(); i++) {
                String field = "spec.routes.cidrs[" + i + "]";
                Cidr route = parseCidr(field, cidrs.get(i), problems);
                if (route != null && appRange != null && overlaps(route, appRange)) {
                    problems.add(new ConfigProblem(field, cidrs.get(i), "overlaps spec.tunnel.appRange " + appRange));
                }
                if (route != null && tunnelNet != null && overlaps(route, tunnelNet)) {
                    problems.add(new ConfigProblem(field, cidrs.get(i), "overlaps the tunnel network " + tunnelNet));
                }
            }
        }
        if (spec.getDns() != null && spec.getDns().getUpstream() != null) {
            List<String> upstream = spec.getDns().getUpstream();
            for (int i = 0; i < upstream.size(); i++) {
                parseAddress("spec.dns.upstream[" + i + "]", upstream.get(i), problems);
            }
        }
        if (spec.getReplicas() != null && spec.getReplicas() < 0) {
            problems.add(new ConfigProblem("spec.replicas", String.valueOf(spec.getReplicas()), "must be >= 0"));
        }
        return problems;
    }

    private static void checkClients(List<AppConnectorSpec.Client> clients, IpAddress tunnelAddress, Cidr tunnelNet,
                                     List<ConfigProblem> problems) {
        if (clients == null) {
            return;
        }
        Map<String, Integer> names = new HashMap<>();
        Map<IpAddress, Integer> addresses = new HashMap<>();
        for (int i = 0; i < clients.size(); i++) {
            AppConnectorSpec.Client client = clients.get(i);
            String base = "spec.clients[" + i + "]";
            Integer firstName = names.putIfAbsent(String.valueOf(client.getName()), i);
            if (firstName != null) {
                problems.add(new ConfigProblem(base + ".name", client.getName(),
                        "duplicate of spec.clients[" + firstName + "].name"));
            }
            String text = client.getAddress();
            if (text == null) {
                problems.add(new ConfigProblem(base + ".address", null, "required"));
                continue;
            }
            String[] parts = text.split("/", -1);
            IpAddress address = parseAddress(base + ".address", parts[0], problems);
            if (address == null) {
                continue;
            }
            int hostPrefix = address.family().bits();
            if (parts.length != 2 || !parts[1].equals(String.valueOf(hostPrefix))) {
                problems.add(new ConfigProblem(base + ".address", text, "must be a single address written as /"
                        + hostPrefix));
                continue;
            }
            if (tunnelNet != null && !tunnelNet.contains(address)) {
                problems.add(new ConfigProblem(base + ".address", text, "outside the tunnel network " + tunnelNet));
            }
            if (address.equals(tunnelAddress)) {
                problems.add(new ConfigProblem(base + ".address", text, "is the connector's own tunnel address"));
            }
            Integer firstAddress = addresses.putIfAbsent(address, i);
            if (firstAddress != null) {
                problems.add(new ConfigProblem(base + ".address", text,
                        "duplicate of spec.clients[" + firstAddress + "].address"));
            }
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

    private static Integer parsePrefix(String field, String whole, String text, List<ConfigProblem> problems) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            problems.add(new ConfigProblem(field, whole, "prefix length is not a number"));
            return null;
        }
    }

    /** The parser's message without a repeated value prefix. */
    private static String reason(IllegalArgumentException e) {
        if (e instanceof dev.pinhole.ipset.IpEntryFormatException f) {
            return f.reason();
        }
        return e.getMessage() == null ? "invalid" : e.getMessage();
    }
}
