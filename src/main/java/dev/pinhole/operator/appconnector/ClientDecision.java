package dev.pinhole.operator.appconnector;

import java.util.List;

/** What one AppConnector decided about one Client it selects: admitted with an address and groups, or refused. */
public sealed interface ClientDecision {
    ClientCandidate candidate();

    /** Admitted: rendered into the connector's config under {@code clientName}, at {@code address}. */
    record Admitted(ClientCandidate candidate, String clientName, String address, List<String> groups)
            implements ClientDecision {
        public Admitted {
            groups = List.copyOf(groups);
        }
    }

    /** Refused, with a reason (one of the constants) and a message naming what refused it. */
    record Refused(ClientCandidate candidate, String reason, String message) implements ClientDecision {
        public static final String INVALID_KEY = "InvalidKey";
        public static final String GROUP_NOT_ALLOWED = "GroupNotAllowed";
        public static final String NAME_IN_USE = "NameInUse";
        public static final String KEY_IN_USE = "KeyInUse";
        public static final String ADDRESS_CONFLICT = "AddressConflict";
        public static final String CONNECTOR_FULL = "ConnectorFull";
        public static final String TOO_MANY_CONNECTORS = "TooManyConnectors";
        public static final String SOURCE_FULL = "SourceFull";
    }
}
