package dev.pinhole.connector.records;

/** Where the record path reports what it wrote and dropped (metrics); called from any thread. */
public interface RecordCounts {
    /** One record of {@code kind} reached standard output. */
    void written(RecordKind kind);

    /** One record of {@code kind} was dropped for {@code reason}. */
    void dropped(RecordKind kind, RecordDropReason reason);

    /** Counts nothing (tests of other things). */
    RecordCounts NONE = new RecordCounts() {
        @Override
        public void written(RecordKind kind) {
        }

        @Override
        public void dropped(RecordKind kind, RecordDropReason reason) {
        }
    };
}
