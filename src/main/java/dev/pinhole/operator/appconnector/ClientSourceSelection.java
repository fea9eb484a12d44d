package dev.pinhole.operator.appconnector;

import dev.pinhole.api.ClientSource;
import dev.pinhole.operator.ipset.LabelSelectorMatch;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which of a connector's clientSources selects a Client: the first whose namespaces and client selector both match.
 * A malformed selector (stored before the CRD refused it) selects nothing, never everything.
 */
public final class ClientSourceSelection {
    private ClientSourceSelection() {}

    /**
     * The first source of {@code sources} (a connector in {@code connectorNamespace}) that selects a Client in
     * {@code clientNamespace} with {@code clientLabels}; {@code namespaceLabels} gives a namespace's labels (empty
     * when unknown).
     */
    public static Optional<ClientSource> sourceFor(List<ClientSource> sources, String connectorNamespace,
                                                   String clientNamespace, Map<String, String> clientLabels,
                                                   Function<String, Map<String, String>> namespaceLabels) {
        if (sources == null) {
            return Optional.empty();
        }
        for (ClientSource source : sources) {
            if (source != null && namespaceMatches(source.getNamespaces(), connectorNamespace, clientNamespace,
                    namespaceLabels) && clientMatches(source, clientLabels)) {
                return Optional.of(source);
            }
        }
        return Optional.empty();
    }

    private static boolean namespaceMatches(ClientSource.Namespaces namespaces, String connectorNamespace,
                                            String clientNamespace,
                                            Function<String, Map<String, String>> namespaceLabels) {
        if (namespaces == null || namespaces.getFrom() == null) {
            return false;
        }
        return switch (namespaces.getFrom()) {
            case Same -> connectorNamespace.equals(clientNamespace);
            case All -> true;
            case Selector -> namespaces.getSelector() != null
                    && LabelSelectorMatch.matches(namespaces.getSelector(), namespaceLabels.apply(clientNamespace));
        };
    }

    private static boolean clientMatches(ClientSource source, Map<String, String> clientLabels) {
        return source.getClientSelector() == null || LabelSelectorMatch.matches(source.getClientSelector(),
                clientLabels);
    }
}
