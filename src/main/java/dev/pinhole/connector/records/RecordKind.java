package dev.pinhole.connector.records;

import java.util.Locale;

/** The kinds of record: the value of each line's {@code record} field and of the metrics' {@code kind} label. */
public enum RecordKind {
    /** A flow started or ended (one {@code end} line per flow that entered the flow table). */
    FLOW,
    /** A new flow or packet the connector refused, rate-limited per client and reason. */
    REFUSAL,
    /** A DNS query a client asked the connector's tunnel DNS, with its answer or refusal. */
    LOOKUP,
    /** How many records of one kind (and reason) a client caused that were not written: over its share. */
    SUMMARY,
    /** How many records the queue or the output lost since the previous line: written in band, never queued. */
    GAP;

    /** The {@code record} field and metric label value. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
