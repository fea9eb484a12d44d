package dev.pinhole.connector.records;

/**
 * Records of one client not written because it was over its share ({@link ClientShares}) or its refusal rate: how
 * many of which kind (and, for refusals, which reason), and for flows the payload bytes they moved, so a client
 * that churns flows still shows its volume. One line per client, kind and reason per period or on recovery.
 *
 * @param of        the kind not written: flow, lookup or refusal
 * @param reason    the refusal reason, or null
 * @param count     records left out since the previous summary (or record) for the same client, kind and reason
 * @param bytesFromClient payload bytes of the flows left out (flows; else 0, not written)
 */
public record SummaryRecord(long epochMillis, ClientRef client, RecordKind of, String reason, long count,
                            long bytesFromClient, long bytesToClient) implements ActivityRecord {

    @Override
    public void writeFields(JsonLine line) {
        line.field("of", of.label()).field("reason", reason).field("count", count);
        if (of == RecordKind.FLOW) {
            line.field("bytesFromClient", bytesFromClient).field("bytesToClient", bytesToClient);
        }
    }
}
