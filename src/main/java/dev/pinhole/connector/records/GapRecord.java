package dev.pinhole.connector.records;

/**
 * How many records were lost since the previous line (queue full or over its bytes, output failed), by kind:
 * written in band by the writer thread itself, never queued, so a reader of the stream sees where it has a hole
 * and how big it is even when the metrics are not at hand.
 */
public record GapRecord(long epochMillis, long flows, long refusals, long lookups, long summaries)
        implements ActivityRecord {

    @Override
    public ClientRef client() {
        return null;
    }

    @Override
    public void writeFields(JsonLine line) {
        line.field("flows", flows).field("refusals", refusals).field("lookups", lookups)
                .field("summaries", summaries);
    }
}
