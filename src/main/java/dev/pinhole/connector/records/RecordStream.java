package dev.pinhole.connector.records;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The record path's one bound and one thread: {@link #offer} (any thread) puts a finished record into a fixed-size
 * queue and returns at once, dropping and counting it ({@link RecordDropReason#QUEUE_FULL}) when the queue is full;
 * the writer thread takes what is queued, serialises a batch to JSON lines and hands the batch to the output in one
 * {@code write} of whole lines, so a record never shares a line with anything else. The connector's log goes to
 * standard error; records go to standard output (docs/flow-records.md).
 */
public final class RecordStream implements AutoCloseable {
    /** The format of every line; bumped on any incompatible change of a field (docs/flow-records.md). */
    public static final int SCHEMA = 1;
    /** Records the queue holds at most (about 300 B each: ~2.5 MiB when full). */
    public static final int DEFAULT_CAPACITY = 8_192;
    /** Records serialised into one write at most. */
    static final int BATCH = 256;
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private final ArrayBlockingQueue<ActivityRecord> queue;
    private final OutputStream out;
    private final RecordSource source;
    private final RecordCounts counts;
    private final Thread writer;
    private volatile boolean closing;

    public RecordStream(int capacity, OutputStream out, RecordSource source, RecordCounts counts) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.out = out;
        this.source = source;
        this.counts = counts;
        this.writer = new Thread(this::run, "pinhole-records");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Queues {@code record} without waiting; false (dropped and counted) when the queue is full or closed. */
    public boolean offer(ActivityRecord record) {
        if (closing || !queue.offer(record)) {
            counts.dropped(record.kind(), RecordDropReason.QUEUE_FULL);
            return false;
        }
        return true;
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
                    if (closing) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, BATCH - 1);
            } catch (InterruptedException e) {
                queue.drainTo(batch);
                if (batch.isEmpty()) {
                    return;
                }
            }
            text.setLength(0);
            for (ActivityRecord r : batch) {
                line.begin().field("record", r.kind().label()).field("schema", SCHEMA)
                        .field("time", isoTime(r.epochMillis())).field("namespace", source.namespace())
                        .field("connector", source.connector()).field("pod", source.pod());
                r.client().writeTo(line);
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
                    counts.dropped(r.kind(), RecordDropReason.WRITE_FAILED);
                }
            }
            batch.clear();
        }
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
