package dev.pinhole.connector.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.testing.Adversarial;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The record path never makes a forwarding thread wait, never holds more than its queue, and writes whole lines. */
class RecordStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RecordSource SOURCE = new RecordSource("team-a", "github", "github-abc");

    /** Counts per kind and reason, as the metrics would. */
    static final class Counts implements RecordCounts {
        final Map<RecordKind, AtomicLong> written = new EnumMap<>(RecordKind.class);
        final Map<RecordDropReason, AtomicLong> dropped = new EnumMap<>(RecordDropReason.class);

        Counts() {
            for (RecordKind k : RecordKind.values()) {
                written.put(k, new AtomicLong());
            }
            for (RecordDropReason r : RecordDropReason.values()) {
                dropped.put(r, new AtomicLong());
            }
        }

        @Override
        public void written(RecordKind kind) {
            written.get(kind).incrementAndGet();
        }

        @Override
        public void dropped(RecordKind kind, RecordDropReason reason) {
            dropped.get(reason).incrementAndGet();
        }
    }

    /** Standard output of a pod whose log pipeline is stuck: every write blocks until released. */
    static final class StuckOutput extends OutputStream {
        final CountDownLatch release = new CountDownLatch(1);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (bytes) {
                bytes.write(b, off, len);
            }
        }
    }

    static RefusalRecord refusal(int i) {
        return new RefusalRecord(1_700_000_000_000L + i, new ClientRef("alice", "key", null), "no_route", "tcp",
                "100.96.0.2", 40_000 + i % 20_000, "198.51.100.7", 443, 0);
    }

    @Adversarial
    @Test
    void aStuckOutputNeverBlocksTheOffersAndHoldsAtMostTheQueue() throws Exception {
        StuckOutput out = new StuckOutput();
        Counts counts = new Counts();
        RecordStream stream = new RecordStream(100, out, SOURCE, counts);
        int offers = 50_000;

        long started = System.nanoTime();
        int accepted = 0;
        for (int i = 0; i < offers; i++) {
            if (stream.offer(refusal(i))) {
                accepted++;
            }
        }
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        // The queue plus the one batch the writer took before it blocked; the rest dropped and counted.
        assertThat(accepted).isLessThanOrEqualTo(100 + RecordStream.BATCH);
        assertThat(counts.dropped.get(RecordDropReason.QUEUE_FULL).get()).isEqualTo(offers - accepted);
        assertThat(tookMillis).as("50,000 offers against a stuck output (generous bound)").isLessThan(10_000);

        out.release.countDown();
        stream.close(5_000);
        String text;
        synchronized (out.bytes) {
            text = out.bytes.toString(StandardCharsets.UTF_8);
        }
        long lost = 0;
        long gaps = 0;
        for (String l : text.lines().toList()) {
            JsonNode n = JSON.readTree(l);
            if (n.get("record").asText().equals("gap")) {
                gaps++;
                lost += n.get("refusals").asLong();
            }
        }
        assertThat(text.lines().count()).as("the records and their gap lines").isEqualTo(accepted + gaps);
        assertThat(lost).as("the gap lines tell every drop").isEqualTo(offers - accepted);
        assertThat(counts.written.get(RecordKind.REFUSAL).get()).isEqualTo(accepted);
    }

    @Adversarial
    @Test
    void whatTheQueueDroppedIsToldInBandByAGapLineBeforeTheNextRecords() throws Exception {
        StuckOutput out = new StuckOutput();
        Counts counts = new Counts();
        RecordStream stream = new RecordStream(10, out, SOURCE, counts);
        for (int i = 0; i < 1_000; i++) {
            stream.offer(refusal(i));
        }
        long dropped = counts.dropped.get(RecordDropReason.QUEUE_FULL).get();
        out.release.countDown();
        stream.close(5_000);

        List<JsonNode> gaps = new ArrayList<>();
        String text;
        synchronized (out.bytes) {
            text = out.bytes.toString(StandardCharsets.UTF_8);
        }
        for (String line : text.lines().toList()) {
            JsonNode n = JSON.readTree(line);
            if (n.get("record").asText().equals("gap")) {
                gaps.add(n);
            }
        }
        assertThat(dropped).isPositive();
        // One gap line, or two when the writer took its first batch after the first drops: together they tell all.
        assertThat(gaps).isNotEmpty().allSatisfy(g -> {
            assertThat(g.get("flows").asLong()).isZero();
            assertThat(g.has("client")).isFalse();
        });
        assertThat(gaps.stream().mapToLong(g -> g.get("refusals").asLong()).sum()).isEqualTo(dropped);
        assertThat(counts.written.get(RecordKind.GAP).get()).isEqualTo(gaps.size());
    }

    @Adversarial
    @Test
    void lookupsWithManyAnswersAreBoundedInBytesNotOnlyInCount() {
        StuckOutput out = new StuckOutput();
        Counts counts = new Counts();
        RecordStream stream = new RecordStream(RecordStream.DEFAULT_CAPACITY, 1L << 20, out, SOURCE, counts);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < LookupRecord.MAX_ADDRESSES; i++) {
            many.add("2001:db8:ffff:ffff:ffff:ffff:ffff:" + Integer.toHexString(i));
        }
        int accepted = 0;
        for (int i = 0; i < 5_000; i++) {
            LookupRecord big = new LookupRecord(1L, new ClientRef("c" + i, null, null), "x".repeat(200) + ".example",
                    "AAAA", "udp", "synthetic", null, many, many, null, 300);
            accepted += stream.offer(big) ? 1 : 0;
        }

        assertThat(stream.queuedBytes()).isLessThanOrEqualTo(1L << 20);
        assertThat(accepted).as("bytes bind long before the 8,192 records").isLessThan(1_000);
        assertThat(counts.dropped.get(RecordDropReason.QUEUE_BYTES).get()).isGreaterThan(4_000);
        out.release.countDown();
        stream.close(5_000);
        assertThat(stream.queuedBytes()).as("written records give their bytes back").isZero();
    }

    @Test
    void aLookupRecordRefusesMoreAddressesThanItsCap() {
        List<String> tooMany = java.util.Collections.nCopies(LookupRecord.MAX_ADDRESSES + 1, "192.0.2.1");

        org.assertj.core.api.Assertions.assertThatIllegalArgumentException().isThrownBy(() -> new LookupRecord(1L,
                new ClientRef("c", null, null), "n", "A", "udp", "forwarded", null, null, tooMany, null, 0));
    }

    @Adversarial
    @Test
    void aPrintStreamIsRefusedBecauseItSwallowsWriteErrors() {
        // System.out is one: a closed pipe would make every record vanish with write_failed never counted.
        java.io.PrintStream swallowing = new java.io.PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("broken pipe");
            }
        });

        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new RecordStream(16, swallowing, SOURCE, new Counts()));
    }

    @Test
    void linesFromManyThreadsAreWholeAndCarryTheCommonFields() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Counts counts = new Counts();
        RecordStream stream = new RecordStream(RecordStream.DEFAULT_CAPACITY, out, SOURCE, counts);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int base = t * 1_000;
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 1_000; i++) {
                    stream.offer(refusal(base + i));
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join();
        }
        stream.close(5_000);

        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(4_000);
        for (String line : lines) {
            JsonNode node = JSON.readTree(line);
            assertThat(node.get("record").asText()).isEqualTo("refusal");
            assertThat(node.get("schema").asInt()).isEqualTo(RecordStream.SCHEMA);
            assertThat(node.get("namespace").asText()).isEqualTo("team-a");
            assertThat(node.get("connector").asText()).isEqualTo("github");
            assertThat(node.get("pod").asText()).isEqualTo("github-abc");
            assertThat(node.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        }
    }

    @Test
    void aFailingOutputCountsItsRecordsAsWriteFailedAndTheStreamGoesOn() throws Exception {
        Counts counts = new Counts();
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("broken pipe");
            }
        };
        RecordStream stream = new RecordStream(16, broken, SOURCE, counts);

        stream.offer(refusal(1));
        stream.offer(refusal(2));
        stream.close(5_000);

        assertThat(counts.dropped.get(RecordDropReason.WRITE_FAILED).get()).isEqualTo(2);
        assertThat(counts.written.get(RecordKind.REFUSAL).get()).isZero();
        assertThat(counts.written.get(RecordKind.GAP).get()).as("the gap line failed too").isZero();
    }

    @Adversarial
    @Test
    void recordsAFailedWriteLostAreToldByAGapLineOnceTheOutputWorksAgain() throws Exception {
        // A log pipeline restarting: its pipe fails for a moment. The reader must see the hole, not a silent skip.
        ByteArrayOutputStream good = new ByteArrayOutputStream();
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean(true);
        OutputStream flaky = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) throws IOException {
                if (broken.get()) {
                    throw new IOException("broken pipe");
                }
                good.write(b, off, len);
            }
        };
        Counts counts = new Counts();
        RecordStream stream = new RecordStream(16, flaky, SOURCE, counts);
        stream.offer(refusal(1));
        stream.offer(refusal(2));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (counts.dropped.get(RecordDropReason.WRITE_FAILED).get() < 2 && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        broken.set(false);
        stream.offer(refusal(3));
        stream.close(5_000);

        List<JsonNode> lines = new ArrayList<>();
        synchronized (flaky) {
            for (String l : good.toString(StandardCharsets.UTF_8).lines().toList()) {
                lines.add(JSON.readTree(l));
            }
        }
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("record").asText()).isEqualTo("gap");
        assertThat(lines.get(0).get("refusals").asLong()).isEqualTo(2);
        assertThat(lines.get(1).get("record").asText()).isEqualTo("refusal");
    }

    @Test
    void offersAfterCloseAreDroppedAndCounted() {
        Counts counts = new Counts();
        RecordStream stream = new RecordStream(16, new ByteArrayOutputStream(), SOURCE, counts);
        stream.close(5_000);

        assertThat(stream.offer(refusal(1))).isFalse();
        assertThat(counts.dropped.get(RecordDropReason.QUEUE_FULL).get()).isEqualTo(1);
    }
}
