package dev.pinhole.connector.records;

/**
 * One record, made on a forwarding thread as an immutable value and serialised later by the writer thread. Its
 * common fields (record, schema, time, namespace, connector, pod, client) are written by {@link RecordStream}.
 */
public sealed interface ActivityRecord permits FlowRecord, RefusalRecord, LookupRecord {
    /** The kind, from the type: the {@code record} field. */
    default RecordKind kind() {
        if (this instanceof FlowRecord) {
            return RecordKind.FLOW;
        }
        return this instanceof RefusalRecord ? RecordKind.REFUSAL : RecordKind.LOOKUP;
    }

    /** Wall-clock time of the event, milliseconds since the epoch. */
    long epochMillis();

    /** The client it is about (written with the common fields). */
    ClientRef client();

    /** Writes the kind's own fields, after the common ones. */
    void writeFields(JsonLine line);
}
