package dev.pinhole.connector.records;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The record path's bounds and one thread: {@link #offer} (any thread) puts a finished record into a queue bounded
 * in records and in bytes and returns at once, dropping and counting it ({@link RecordDropReason#QUEUE_FULL},
 * {@link RecordDropReason#QUEUE_BYTES}) when either bound is reached; the writer thread takes what is queued,
 * serialises a batch to JSON lines and hands the batch to the output in one {@code write} of whole lines, so a record
 * never shares a line with anything else. Whatever was lost (dropped at the queue or by a failed write) is told in
 * band: the next batch starts with a {@link GapRecord}. The connector's log goes to standard error; records go to
 * standard output (docs/flow-records.md), through a stream that reports write errors (never a {@link PrintStream},
 * which swallows them).
 */
public final class RecordStream implements AutoCloseable {
    /** The format of every line; bumped on any incompatible change of a field (docs/flow-records.md). */
    public static final int SCHEMA = 1;
    /** Records the queue holds at most. */
    public static final int DEFAULT_CAPACITY = 8_192;
    /** Bytes the queued records may hold at most ({@link ActivityRecord#queuedBytes}, generous estimates). */
    public static final long DEFAULT_MAX_BYTES = 8L << 20;
    /** Records serialised into one write at most. */
    static final int BATCH = 256;
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final ArrayBlockingQueue<ActivityRecord> queue;
    private final long maxBytes;
    private final AtomicLong queuedBytes = new AtomicLong();
    /** Records lost since the last line written, by kind ordinal: the next gap line's counts. */
    private final AtomicLongArray lost = new AtomicLongArray(RecordKind.values().length);
    private final OutputStream out;
    private final RecordSource source;
    private final RecordCounts counts;
    private final Thread writer;
    private volatile boolean closing;

    public RecordStream(int capacity, OutputStream out, RecordSource source, RecordCounts counts) {
        this(capacity, DEFAULT_MAX_BYTES, out, source, counts);
    }

    /**
     * @param out where the lines go; not a {@link PrintStream}: it swallows write errors, so a lost record would go
     *            uncounted ({@code System.out} is one: pass {@code new FileOutputStream(FileDescriptor.out)})
     */
    public RecordStream(int capacity, long maxBytes, OutputStream out, RecordSource source, RecordCounts counts) {
        if (out instanceof PrintStream) {
            throw new IllegalArgumentException("a PrintStream swallows write errors: records lost would go uncounted");
        }
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.maxBytes = maxBytes;
        this.out = out;
        this.source = source;
        this.counts = counts;
        this.writer = new Thread(this::run, "pinhole-records");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /**
     * Queues {@code record} without waiting; false (dropped, counted and told by the next gap line) when the queue
     * is full in records or in bytes, or closed.
     */
    public boolean offer(ActivityRecord record) {
        int bytes = record.queuedBytes();
        if (queuedBytes.addAndGet(bytes) > maxBytes) {
            queuedBytes.addAndGet(-bytes);
            lose(record.kind(), RecordDropReason.QUEUE_BYTES, 1);
            return false;
        }
        if (closing || !queue.offer(record)) {
            queuedBytes.addAndGet(-bytes);
            lose(record.kind(), RecordDropReason.QUEUE_FULL, 1);
            return false;
        }
        return true;
    }

    private void lose(RecordKind kind, RecordDropReason reason, long n) {
        for (long i = 0; i < n; i++) {
            counts.dropped(kind, reason);
        }
        lost.addAndGet(kind.ordinal(), n);
    }

    /** Bytes the queued records hold now (estimates). */
    public long queuedBytes() {
        return queuedBytes.get();
    }

    /** Records queued and not yet written. */
    public int queued() {
        return queue.size();
    }

    private void run() {
        List<ActivityRecord> batch = new ArrayList<>(BATCH);
        StringBuilder text = new StringBuilder(BATCH * 320);
        JsonLine line = new JsonLine(text);
        while (true) {
            try {
                ActivityRecord first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    // Idle: a gap line for what a failed write lost, and the last one when closing.
                    writeBatch(batch, text, line);
                    if (closing) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
            } catch (InterruptedException e) {
                queue.drainTo(batch);
                writeBatch(batch, text, line);
                return;
            }
            writeBatch(batch, text, line);
        }
    }

    /** Writes a gap line (when something was lost) and {@code batch}; clears it. */
    private void writeBatch(List<ActivityRecord> batch, StringBuilder text, JsonLine line) {
        for (ActivityRecord r : batch) {
            queuedBytes.addAndGet(-r.queuedBytes());
        }
        GapRecord gap = takeGap();
        if (gap != null) {
            batch.add(0, gap);
        }
        if (batch.isEmpty()) {
            return;
        }
        text.setLength(0);
        for (ActivityRecord r : batch) {
            line.begin().field("record", r.kind().label()).field("schema", SCHEMA)
                    .field("time", isoTime(r.epochMillis())).field("namespace", source.namespace())
                    .field("connector", source.connector()).field("pod", source.pod());
            if (r.client() != null) {
                r.client().writeTo(line);
            }
            r.writeFields(line);
            line.end();
        }
        try {
            out.write(text.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            for (ActivityRecord r : batch) {
                counts.written(r.kind());
            }
        } catch (IOException e) {
            for (ActivityRecord r : batch) {
                if (r instanceof GapRecord g) {
                    // Not lost: its counts are told again by the next gap line.
                    lost.addAndGet(RecordKind.FLOW.ordinal(), g.flows());
                    lost.addAndGet(RecordKind.REFUSAL.ordinal(), g.refusals());
                    lost.addAndGet(RecordKind.LOOKUP.ordinal(), g.lookups());
                    lost.addAndGet(RecordKind.SUMMARY.ordinal(), g.summaries());
                } else {
                    lose(r.kind(), RecordDropReason.WRITE_FAILED, 1);
                }
            }
        }
        batch.clear();
    }

    /** The gap line for what was lost since the last one, or null when nothing was. */
    private GapRecord takeGap() {
        long flows = lost.getAndSet(RecordKind.FLOW.ordinal(), 0);
        long refusals = lost.getAndSet(RecordKind.REFUSAL.ordinal(), 0);
        long lookups = lost.getAndSet(RecordKind.LOOKUP.ordinal(), 0);
        long summaries = lost.getAndSet(RecordKind.SUMMARY.ordinal(), 0);
        if (flows + refusals + lookups + summaries == 0) {
            return null;
        }
        return new GapRecord(System.currentTimeMillis(), flows, refusals, lookups, summaries);
    }

    /** ISO-8601 UTC with milliseconds, e.g. {@code 2026-12-07T18:05:09.123Z}. */
    public static String isoTime(long epochMillis) {
        return ISO.format(Instant.ofEpochMilli(epochMillis));
    }

    /** Writes what is queued (waiting at most {@code timeoutMillis}), then stops the writer; later offers drop. */
    public void close(long timeoutMillis) {
        closing = true;
        try {
            writer.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.interrupt();
    }

    @Override
    public void close() {
        close(2_000);
    }
}
