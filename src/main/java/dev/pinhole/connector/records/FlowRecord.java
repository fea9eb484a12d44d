package dev.pinhole.connector.records;

/**
 * A flow's start, interim update (a long flow, every active timeout: what it moved so far) or end. Addresses: {@code clientAddress:clientPort} is the client's tunnel side,
 * {@code destination:destinationPort} what it dialled (a synthetic app address or a routed real one),
 * {@code realAddress:realPort} where the connector connected (null until known). Bytes are transport payload,
 * packets are IP packets, each way, since the flow started (an update's are running totals, so the last
 * line of a flow holds its totals whichever it is); none in a start record.
 *
 * @param end how it ended (end records): fin, rst, idle, revoked, stopping, connect-failed; null for a start
 */
public record FlowRecord(long epochMillis, Event event, ClientRef client, String protocol, String clientAddress,
                         int clientPort, String destination, int destinationPort, String realAddress, int realPort,
                         FlowOrigin origin, long bytesFromClient, long bytesToClient, long packetsFromClient,
                         long packetsToClient, long startEpochMillis, long durationMillis, String end)
        implements ActivityRecord {

    /** Which moment of the flow the record is about. */
    public enum Event {
        START("start"), UPDATE("update"), END("end");

        private final String label;

        Event(String label) {
            this.label = label;
        }

        /** The {@code event} field's value. */
        public String label() {
            return label;
        }
    }

    @Override
    public void writeFields(JsonLine line) {
        line.field("event", event.label());
        line.field("protocol", protocol).field("clientAddress", clientAddress).field("clientPort", clientPort)
                .field("destination", destination).field("destinationPort", destinationPort);
        if (realAddress != null) {
            line.field("realAddress", realAddress).field("realPort", realPort);
        }
        if (origin != null) {
            origin.writeTo(line);
        }
        line.field("start", RecordStream.isoTime(startEpochMillis));
        if (event != Event.START) {
            line.field("durationMs", durationMillis).field("bytesFromClient", bytesFromClient)
                    .field("bytesToClient", bytesToClient).field("packetsFromClient", packetsFromClient)
                    .field("packetsToClient", packetsToClient).field("end", end);
        }
    }
}
