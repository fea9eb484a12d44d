package dev.pinhole.connector.records;

/**
 * A flow's start or end. Addresses: {@code clientAddress:clientPort} is the client's tunnel side,
 * {@code destination:destinationPort} what it dialled (a synthetic app address or a routed real one),
 * {@code realAddress:realPort} where the connector connected (null until known). Bytes are transport payload,
 * packets are IP packets, each way; both 0 in a start record.
 *
 * @param end how it ended (end records): fin, rst, idle, revoked, stopping, connect-failed; null for a start
 */
public record FlowRecord(long epochMillis, Event event, ClientRef client, String protocol, String clientAddress,
                         int clientPort, String destination, int destinationPort, String realAddress, int realPort,
                         FlowOrigin origin, long bytesFromClient, long bytesToClient, long packetsFromClient,
                         long packetsToClient, long startEpochMillis, long durationMillis, String end)
        implements ActivityRecord {

    /** Which moment of the flow the record is about. */
    public enum Event { START, END }

    @Override
    public void writeFields(JsonLine line) {
        line.field("event", event == Event.START ? "start" : "end");
        line.field("protocol", protocol).field("clientAddress", clientAddress).field("clientPort", clientPort)
                .field("destination", destination).field("destinationPort", destinationPort);
        if (realAddress != null) {
            line.field("realAddress", realAddress).field("realPort", realPort);
        }
        if (origin != null) {
            origin.writeTo(line);
        }
        line.field("start", RecordStream.isoTime(startEpochMillis));
        if (event == Event.END) {
            line.field("durationMs", durationMillis).field("bytesFromClient", bytesFromClient)
                    .field("bytesToClient", bytesToClient).field("packetsFromClient", packetsFromClient)
                    .field("packetsToClient", packetsToClient).field("end", end);
        }
    }
}
