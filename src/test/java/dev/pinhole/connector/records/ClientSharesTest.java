package dev.pinhole.connector.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.testing.Adversarial;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One client's churn cannot crowd another client's records out: each has its share, what is over it is summarised
 * (how many, and for flows how many bytes), and refusals left out are told when their bucket recovers.
 */
class ClientSharesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SECOND = 1_000_000_000L;
    private static final RecordSource SOURCE = new RecordSource("team-a", "github", "github-abc");

    private static FlowRecord flowEnd(String client, int i, long bytes) {
        return new FlowRecord(1_700_000_000_000L + i, FlowRecord.Event.END, new ClientRef(client, "key-" + client,
                null), "tcp", "100.96.0.2", 1_024 + i % 60_000, "100.80.0.1", 443, "192.0.2.1", 443, null, bytes,
                bytes, 1, 1, 1_700_000_000_000L, 1, "fin");
    }

    /** What {@code ActivityRecorder} does with a flow end: through the share, then the queue. */
    private static void flowEnded(ClientShares shares, RecordStream stream, String client, int i, long bytes,
                                  long now) {
        if (shares.admitFlow(client, bytes, bytes, now)) {
            stream.offer(flowEnd(client, i, bytes));
        }
    }

    private static List<JsonNode> lines(RecordStreamTest.StuckOutput out) throws Exception {
        List<JsonNode> nodes = new ArrayList<>();
        String text;
        synchronized (out.bytes) {
            text = out.bytes.toString(StandardCharsets.UTF_8);
        }
        for (String line : text.lines().toList()) {
            nodes.add(JSON.readTree(line));
        }
        return nodes;
    }

    @Adversarial
    @Test
    void aChurningClientLeavesEveryQuietClientFlowItsRecordAndIsSummarised() throws Exception {
        RecordStreamTest.StuckOutput out = new RecordStreamTest.StuckOutput(); // a slow pipeline: nothing drains
        RecordStream stream = new RecordStream(RecordStream.DEFAULT_CAPACITY, out, SOURCE, RecordCounts.NONE);
        ClientShares shares = new ClientShares(1);
        int churn = 100_000;
        int quiet = 0;
        // 100,000 one-packet flows of mallory in 2 seconds, alice's 40 flows among them.
        for (int i = 0; i < churn; i++) {
            long now = 10 * SECOND + i * (2 * SECOND / churn);
            flowEnded(shares, stream, "mallory", i, 100, now);
            if (i % 2_500 == 0) {
                flowEnded(shares, stream, "alice", i, 7, now);
                quiet++;
            }
        }
        shares.sweep(12 * SECOND + ClientShares.SUMMARY_NANOS, false, (client, of, reason, count, from, to) ->
                stream.offer(new SummaryRecord(1L, new ClientRef(client, null, null), of, reason, count, from, to)),
                Object::toString);
        out.release.countDown();
        stream.close(10_000);

        List<JsonNode> lines = lines(out);
        long aliceFlows = lines.stream().filter(n -> n.get("record").asText().equals("flow")
                && n.get("client").asText().equals("alice")).count();
        long malloryFlows = lines.stream().filter(n -> n.get("record").asText().equals("flow")
                && n.get("client").asText().equals("mallory")).count();
        List<JsonNode> summaries = lines.stream().filter(n -> n.get("record").asText().equals("summary")).toList();
        assertThat(aliceFlows).as("every quiet-client flow has its record").isEqualTo(quiet);
        assertThat(lines).noneMatch(n -> n.get("record").asText().equals("gap"));
        assertThat(summaries).singleElement().satisfies(s -> {
            assertThat(s.get("client").asText()).isEqualTo("mallory");
            assertThat(s.get("of").asText()).isEqualTo("flow");
            assertThat(s.get("count").asLong()).isEqualTo(churn - malloryFlows);
            assertThat(s.get("bytesFromClient").asLong()).isEqualTo(100 * (churn - malloryFlows));
        });
        assertThat(malloryFlows).isBetween((long) ClientShares.BURST, ClientShares.BURST + 3L * ClientShares.PER_SECOND);
    }

    @Test
    void lookupsOverTheShareAreSummarisedApartFromFlows() {
        ClientShares shares = new ClientShares(1);
        int admitted = 0;
        for (int i = 0; i < ClientShares.BURST + 25; i++) {
            admitted += shares.admitLookup("bob", SECOND) ? 1 : 0;
        }
        List<String> told = new ArrayList<>();
        shares.sweep(SECOND, false, (c, of, r, n, f, t) -> told.add("early"), Object::toString);
        shares.sweep(SECOND + ClientShares.SUMMARY_NANOS, false,
                (c, of, r, n, f, t) -> told.add(c + " " + of.label() + " " + n), Object::toString);

        assertThat(admitted).isEqualTo(ClientShares.BURST);
        assertThat(told).containsExactly("bob lookup 25");
    }

    private enum Reason { NO_ROUTE, NOT_MAPPED }

    @Adversarial
    @Test
    void refusalsLeftOutAreToldWhenTheScanStopsEvenIfTheClientNeverComesBack() {
        ClientShares shares = new ClientShares(1);
        long written = 0;
        long toldInLines = 0;
        for (int i = 0; i < 5_000; i++) {
            long left = shares.admitRefusal("mallory", Reason.NO_ROUTE, SECOND + i * (SECOND / 1_000));
            if (left >= 0) {
                written++;
                toldInLines += left;
            }
        }
        List<String> told = new ArrayList<>();
        long[] summarised = new long[1];
        shares.sweep(120 * SECOND, false, (c, of, r, n, f, t) -> {
            told.add(c + " " + of.label() + " " + r);
            summarised[0] += n;
        }, o -> ((Reason) o).name().toLowerCase());

        assertThat(told).containsExactly("mallory refusal no_route");
        assertThat(written + toldInLines + summarised[0]).as("every refusal written or told once").isEqualTo(5_000);
    }

    @Test
    void oneClientsScanLeavesAnotherClientAndAnotherReasonTheirOwnBudget() {
        ClientShares shares = new ClientShares(1);
        for (int i = 0; i < 1_000; i++) {
            shares.admitRefusal("mallory", Reason.NO_ROUTE, SECOND);
        }

        assertThat(shares.admitRefusal("alice", Reason.NO_ROUTE, SECOND)).isZero();
        assertThat(shares.admitRefusal("mallory", Reason.NOT_MAPPED, SECOND)).isZero();
    }

    @Adversarial
    @Test
    void theRefusalTableStaysBoundedWhateverTheNumberOfClients() {
        ClientShares shares = new ClientShares(1);
        for (int i = 0; i < ClientShares.MAX_CLIENTS * 3; i++) {
            shares.admitRefusal("client-" + i, Reason.NO_ROUTE, SECOND);
        }

        assertThat(shares.refusalClients(Reason.NO_ROUTE)).isEqualTo(ClientShares.MAX_CLIENTS);
    }

    @Test
    void aNewRefusalRateStartsTheBucketsOverAndSummarisesWhatTheyHeld() {
        ClientShares shares = new ClientShares(1);
        for (int i = 0; i < 50; i++) {
            shares.admitRefusal("mallory", Reason.NO_ROUTE, SECOND);
        }
        shares.refusalRate(5);
        List<Long> told = new ArrayList<>();
        shares.sweep(SECOND, false, (c, of, r, n, f, t) -> told.add(n), Object::toString);

        assertThat(shares.admitRefusal("mallory", Reason.NO_ROUTE, SECOND)).isZero();
        assertThat(told).containsExactly(40L);
    }
}
