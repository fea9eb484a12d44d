package dev.pinhole.connector.records;

/**
 * One record, made on a forwarding thread as an immutable value and serialised later by the writer thread. Its
 * common fields (record, schema, time, namespace, connector, pod, client) are written by {@link RecordStream}.
 */
public sealed interface ActivityRecord permits FlowRecord, RefusalRecord, LookupRecord, SummaryRecord, GapRecord {
    /** What a record's value and line cost at most without lists of addresses (fields, strings, the line). */
    int BASE_BYTES = 1_024;

    /** The kind, from the type: the {@code record} field. */
    default RecordKind kind() {
        if (this instanceof FlowRecord) {
            return RecordKind.FLOW;
        } else if (this instanceof RefusalRecord) {
            return RecordKind.REFUSAL;
        } else if (this instanceof LookupRecord) {
            return RecordKind.LOOKUP;
        }
        return this instanceof SummaryRecord ? RecordKind.SUMMARY : RecordKind.GAP;
    }

    /**
     * What the record holds in the queue, generously (value and line): what the queue's bound in bytes counts.
     * Only a lookup's lists of addresses make it grow.
     */
    default int queuedBytes() {
        return BASE_BYTES;
    }

    /** Wall-clock time of the event, milliseconds since the epoch. */
    long epochMillis();

    /** The client it is about (written with the common fields); null for a {@link GapRecord}. */
    ClientRef client();

    /** Writes the kind's own fields, after the common ones. */
    void writeFields(JsonLine line);
}
