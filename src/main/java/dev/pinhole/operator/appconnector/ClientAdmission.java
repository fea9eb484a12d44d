package dev.pinhole.operator.appconnector;

import dev.pinhole.api.AppConnectorSpec;
import dev.pinhole.api.ClientSource;
import dev.pinhole.connector.config.ConfigCheck;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides which Clients one AppConnector admits, with which groups and at which address (docs/access.md). Pure:
 * the same connector and the same Clients (with the addresses their statuses record) give the same decisions, on
 * any replica and after any restart.
 *
 * <p>Order of precedence, oldest Client first (creation time, then namespace/name): the connector's inline clients
 * win every name, key and address; then each Client is checked (key, groups, name, key in use) and, of those that
 * pass, addresses go first to the Clients whose status already holds one (kept for the life of the client), then to
 * explicit requests, then the lowest free address to the rest. A later claimant is refused by name, never the
 * holder; nothing a Client asks for can make the rendered config fail the connector's check.
 */
public final class ClientAdmission {
    /** Client objects one connector admits (beside at most 256 inline clients). */
    public static final int MAX_CLIENTS = 5000;

    private ClientAdmission() {}

    /** The connector side of the decision: where it lives, its tunnel, its inline clients and its sources. */
    public record Connector(String namespace, String name, String tunnelAddress,
                            List<AppConnectorSpec.Client> inlineClients, List<ClientSource> sources) {
        public Connector {
            inlineClients = inlineClients == null ? List.of() : List.copyOf(inlineClients);
            sources = sources == null ? List.of() : List.copyOf(sources);
        }
    }

    /**
     * The decisions for the candidates {@code connector} selects, oldest first; candidates it does not select are
     * left out. {@code namespaceLabels} gives a namespace's labels for sources that select namespaces by label.
     */
    public static List<ClientDecision> decide(Connector connector, List<ClientCandidate> candidates,
                                              Function<String, Map<String, String>> namespaceLabels) {
        Set<String> names = new HashSet<>();
        Map<String, String> keys = new HashMap<>();
        TunnelAddressPool pool = TunnelAddressPool.of(connector.tunnelAddress(), connector.namespace() + "/"
                + connector.name());
        for (AppConnectorSpec.Client inline : connector.inlineClients()) {
            names.add(inline.getName());
            keys.put(canonicalKey(inline.getPublicKey()), "spec.clients " + inline.getName() + " of the AppConnector");
            if (inline.getAddress() != null && pool.problem(inline.getAddress()).isEmpty()) {
                pool.hold(inline.getAddress(), "spec.clients " + inline.getName() + " of the AppConnector");
            }
        }
        List<ClientCandidate> ordered = candidates.stream()
                .sorted(Comparator.comparing(ClientCandidate::created).thenComparing(ClientCandidate::ref))
                .toList();

        // 1. Everything but the address, oldest first: who passes, with which groups.
        Map<ClientCandidate, ClientDecision> decided = new LinkedHashMap<>();
        Map<ClientCandidate, List<String>> granted = new LinkedHashMap<>();
        // Clients granted through each source (by its index in spec.clientSources), for maxClients.
        Map<Integer, Integer> perSource = new HashMap<>();
        for (ClientCandidate c : ordered) {
            Optional<ClientSource> source = ClientSourceSelection.sourceFor(connector.sources(),
                    connector.namespace(), c.namespace(), c.labels(), namespaceLabels);
            if (source.isEmpty()) {
                continue;
            }
            int index = indexOf(connector.sources(), source.get());
            String clientName = c.clientName(connector.namespace());
            Optional<ClientDecision> refusal = refusal(c, source.get(), clientName, names, keys, granted.size())
                    .or(() -> sourceFull(c, source.get(), index, perSource.getOrDefault(index, 0)));
            decided.put(c, refusal.orElse(null));
            if (refusal.isEmpty()) {
                names.add(clientName);
                keys.put(canonicalKey(c.publicKey()), "Client " + c.ref());
                granted.put(c, groups(c, source.get()));
                perSource.merge(index, 1, Integer::sum);
            }
        }

        // 2. Addresses: holders keep theirs, then explicit requests, then allocation, each oldest first.
        Map<ClientCandidate, String> addresses = new HashMap<>();
        for (ClientCandidate c : granted.keySet()) {
            String held = c.heldAddress();
            boolean consistent = held != null && (c.requestedAddress() == null
                    || sameAddress(held, c.requestedAddress()));
            if (consistent && pool.problem(held).isEmpty()) {
                pool.hold(held, "Client " + c.ref());
                addresses.put(c, held);
            }
        }
        for (ClientCandidate c : granted.keySet()) {
            if (addresses.containsKey(c) || c.requestedAddress() == null) {
                continue;
            }
            Optional<String> problem = pool.problem(c.requestedAddress());
            if (problem.isPresent()) {
                decided.put(c, new ClientDecision.Refused(c, ClientDecision.Refused.ADDRESS_CONFLICT,
                        "address " + problem.get()));
            } else {
                pool.hold(c.requestedAddress(), "Client " + c.ref());
                addresses.put(c, c.requestedAddress());
            }
        }
        for (ClientCandidate c : granted.keySet()) {
            if (addresses.containsKey(c) || decided.get(c) != null) {
                continue;
            }
            Optional<String> allocated = pool.allocate("Client " + c.ref());
            if (allocated.isEmpty()) {
                decided.put(c, new ClientDecision.Refused(c, ClientDecision.Refused.CONNECTOR_FULL,
                        "no free address left in the tunnel network " + pool.network() + " of AppConnector "
                                + connector.namespace() + "/" + connector.name()));
            } else {
                addresses.put(c, allocated.get());
            }
        }
        List<ClientDecision> out = new ArrayList<>();
        for (var e : decided.entrySet()) {
            ClientCandidate c = e.getKey();
            out.add(e.getValue() != null ? e.getValue()
                    : new ClientDecision.Admitted(c, c.clientName(connector.namespace()), addresses.get(c),
                            granted.get(c)));
        }
        return out;
    }

    private static Optional<ClientDecision> refusal(ClientCandidate c, ClientSource source, String clientName,
                                                    Set<String> names, Map<String, String> keys, int admitted) {
        if (!c.roomForEntry()) {
            return refused(c, ClientDecision.Refused.TOO_MANY_CONNECTORS, "already in "
                    + dev.pinhole.api.ClientStatus.MAX_CONNECTORS + " AppConnectors, the most one Client can be in");
        }
        Optional<String> keyProblem = ConfigCheck.clientKeyProblem(c.publicKey());
        if (keyProblem.isPresent()) {
            return refused(c, ClientDecision.Refused.INVALID_KEY, "spec.publicKey: " + keyProblem.get());
        }
        List<String> allowed = source.getAllowedGroups() == null ? List.of() : source.getAllowedGroups();
        List<String> notAllowed = c.groups().stream().filter(g -> !allowed.contains(g)).distinct().toList();
        if (!notAllowed.isEmpty()) {
            return refused(c, ClientDecision.Refused.GROUP_NOT_ALLOWED, (notAllowed.size() == 1 ? "group " : "groups ")
                    + String.join(", ", notAllowed) + " not in allowedGroups " + allowed + " of the clientSource"
                    + " that selects it");
        }
        if (names.contains(clientName)) {
            return refused(c, ClientDecision.Refused.NAME_IN_USE, "name " + clientName
                    + " is taken by spec.clients of the AppConnector");
        }
        String keyHolder = keys.get(canonicalKey(c.publicKey()));
        if (keyHolder != null) {
            return refused(c, ClientDecision.Refused.KEY_IN_USE, "spec.publicKey is already used by " + keyHolder);
        }
        if (admitted >= MAX_CLIENTS) {
            return refused(c, ClientDecision.Refused.CONNECTOR_FULL, "the AppConnector already admits "
                    + MAX_CLIENTS + " Clients, the most one connector takes");
        }
        return Optional.empty();
    }

    /**
     * SourceFull when the source already admits its {@code maxClients}: older Clients keep their place, so one
     * namespace of self-registering users fills its own share and never another source's.
     */
    private static Optional<ClientDecision> sourceFull(ClientCandidate c, ClientSource source, int index,
                                                       int admitted) {
        Integer max = source.getMaxClients();
        if (max == null || admitted < max) {
            return Optional.empty();
        }
        return refused(c, ClientDecision.Refused.SOURCE_FULL, "spec.clientSources[" + index + "] of the AppConnector"
                + " admits at most " + max + " Clients (maxClients), and " + admitted + " older ones hold them");
    }

    /** The position of {@code source} in {@code sources}, by identity (a source has no equality of its own). */
    private static int indexOf(List<ClientSource> sources, ClientSource source) {
        for (int i = 0; i < sources.size(); i++) {
            if (sources.get(i) == source) {
                return i;
            }
        }
        return -1;
    }

    private static Optional<ClientDecision> refused(ClientCandidate c, String reason, String message) {
        return Optional.of(new ClientDecision.Refused(c, reason, message));
    }

    /** Requested (all allowed, in their order) then the source's defaults, each once. */
    private static List<String> groups(ClientCandidate c, ClientSource source) {
        Set<String> groups = new LinkedHashSet<>(c.groups());
        if (source.getDefaultGroups() != null) {
            groups.addAll(source.getDefaultGroups());
        }
        return List.copyOf(groups);
    }

    /** The key's 32 bytes in standard base64, so two spellings of one key are one key; unreadable: as given. */
    private static String canonicalKey(String key) {
        try {
            return java.util.Base64.getEncoder().encodeToString(java.util.Base64.getDecoder().decode(key));
        } catch (IllegalArgumentException | NullPointerException e) {
            return String.valueOf(key);
        }
    }

    private static boolean sameAddress(String a, String b) {
        try {
            return dev.pinhole.ipset.IpAddress.parse(a.split("/")[0])
                    .equals(dev.pinhole.ipset.IpAddress.parse(b.split("/")[0])) && a.endsWith(
                    b.substring(b.indexOf('/') < 0 ? b.length() : b.indexOf('/')));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
