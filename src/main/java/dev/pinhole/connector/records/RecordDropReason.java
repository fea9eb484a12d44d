package dev.pinhole.connector.records;

import java.util.Locale;

/** Why a record was not written; the {@code reason} label of {@code pinhole_connector_records_dropped_total}. */
public enum RecordDropReason {
    /** The writer was behind and the queue full: forwarding never waits for the log. */
    QUEUE_FULL,
    /** The queue held its bound in bytes (records with many answers): forwarding never waits for the log. */
    QUEUE_BYTES,
    /** A flow or lookup record over its client's share ({@link ClientShares}): a summary line counts it. */
    CLIENT_SHARE,
    /** A refusal over its client's rate for that reason (a scan); the next written one says how many. */
    RATE_LIMITED,
    /** Standard output failed (closed pipe): the records of that batch are lost. */
    WRITE_FAILED;

    /** The {@code record} field / metric label value. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
