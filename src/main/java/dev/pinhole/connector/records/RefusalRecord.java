package dev.pinhole.connector.records;

/**
 * A new flow (or a packet with a forged source) the connector refused, with the reason as the {@code reason} label of
 * {@code pinhole_connector_drops_total} spells it. {@code suppressed}: refusals of this client for this reason not
 * written since the previous such record (over the rate).
 *
 * @param protocol tcp, udp or icmp
 */
public record RefusalRecord(long epochMillis, ClientRef client, String reason, String protocol, String clientAddress,
                            int clientPort, String destination, int destinationPort, long suppressed)
        implements ActivityRecord {

    @Override
    public void writeFields(JsonLine line) {
        line.field("reason", reason).field("protocol", protocol).field("clientAddress", clientAddress);
        if (clientPort >= 0) {
            line.field("clientPort", clientPort);
        }
        line.field("destination", destination);
        if (destinationPort >= 0) {
            line.field("destinationPort", destinationPort);
        }
        line.field("suppressed", suppressed);
    }
}
