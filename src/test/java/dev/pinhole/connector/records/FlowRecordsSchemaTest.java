package dev.pinhole.connector.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/flow-records.md is the schema: every kind of record the code writes, with every optional field set and
 * with none, matches its tables (field, type, presence, order), and so do the page's own examples.
 */
class FlowRecordsSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ClientRef ALICE = new ClientRef("alice", "tUrchOXyQxlH4oPOGdN545eMLqAdI6re/uB6NZ1tdRc=",
            "198.51.100.23:51413");

    private static List<JsonNode> written(List<ActivityRecord> records, RecordSource source) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RecordStream stream = new RecordStream(64, out, source, RecordCounts.NONE);
        records.forEach(stream::offer);
        stream.close(5_000);
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
            nodes.add(JSON.readTree(line));
        }
        assertThat(nodes).hasSize(records.size());
        return nodes;
    }

    @Test
    void everyKindWithEveryFieldMatchesTheDocumentedSchema() throws Exception {
        List<ActivityRecord> all = List.of(
                new FlowRecord(1L, FlowRecord.Event.START, ALICE, "tcp", "100.96.0.2", 50412, "100.80.14.201", 443,
                        null, 0, FlowOrigin.app("*.github.com", "api.github.com"), 0, 0, 0, 0, 1L, 0, null),
                new FlowRecord(2L, FlowRecord.Event.END, ALICE, "tcp", "100.96.0.2", 50412, "100.80.14.201", 443,
                        "140.82.121.4", 443, FlowOrigin.app("*.github.com", "api.github.com"), 517, 6242, 9, 11, 1L,
                        432, "fin"),
                new FlowRecord(3L, FlowRecord.Event.END, ALICE, "udp", "100.96.0.2", 5353, "198.51.100.9", 7,
                        "198.51.100.9", 7, FlowOrigin.route("198.51.100.0/24"), 5, 5, 1, 1, 1L, 60_000, "idle"),
                new RefusalRecord(4L, ALICE, "no_route", "tcp", "100.96.0.2", 50420, "10.0.0.5", 22, 3),
                new RefusalRecord(5L, ALICE, "spoofed_source", "icmp", "100.96.0.9", -1, "10.0.0.5", -1, 0),
                new LookupRecord(6L, ALICE, "api.github.com", "A", "udp", "synthetic", "*.github.com",
                        List.of("100.80.14.201"), List.of("140.82.121.4", "140.82.121.5"), null, 0),
                new LookupRecord(7L, ALICE, "meta.github.com", "A", "tcp", "refused", "*.github.com", null, null,
                        "pinhole: real address is cloud metadata", 0),
                new LookupRecord(8L, ALICE, "cdn.github.com", "AAAA", "udp", "synthetic", "*.github.com",
                        List.of("100.80.14.202"), List.of("2001:db8::1"), null, 212),
                new FlowRecord(9L, FlowRecord.Event.UPDATE, ALICE, "tcp", "100.96.0.2", 50413, "100.80.14.201", 443,
                        "140.82.121.4", 443, FlowOrigin.app("*.github.com", "api.github.com"), 10_517, 96_242, 90,
                        110, 1L, 300_000, null),
                new SummaryRecord(10L, ALICE, RecordKind.FLOW, null, 4_211, 1_000_000, 2_000_000),
                new SummaryRecord(11L, ALICE, RecordKind.REFUSAL, "no_route", 37, 0, 0),
                new GapRecord(12L, 3, 0, 120, 0));

        FlowRecordsSchema schema = FlowRecordsSchema.read();
        for (JsonNode r : written(all, new RecordSource("team-a", "github", "github-x"))) {
            assertThat(schema.problems(r)).as("%s", r).isEmpty();
        }
        for (JsonNode r : written(all, new RecordSource(null, null, null))) {
            assertThat(schema.problems(r)).as("%s", r).isEmpty();
        }
    }

    @Test
    void everyKindHasItsTableAndEveryTableItsKind() {
        FlowRecordsSchema schema = FlowRecordsSchema.read();

        for (RecordKind kind : RecordKind.values()) {
            assertThat(schema.fields(kind.label())).as("docs table for %s", kind).isNotEmpty();
        }
    }

    @Test
    void thePagesExamplesMatchItsTables() throws Exception {
        String doc = Files.readString(FlowRecordsSchema.DOC);
        FlowRecordsSchema schema = FlowRecordsSchema.read();
        List<String> examples = Arrays.stream(doc.split("\n")).filter(l -> l.startsWith("{\"record\":")).toList();

        assertThat(examples).hasSizeGreaterThanOrEqualTo(3);
        for (String line : examples) {
            assertThat(schema.problems(JSON.readTree(line))).as(line).isEmpty();
        }
    }

    @Test
    void theCheckFindsAnUndocumentedFieldAMissingOneAndAWrongType() throws Exception {
        FlowRecordsSchema schema = FlowRecordsSchema.read();
        JsonNode good = written(List.of(new RefusalRecord(4L, ALICE, "no_route", "tcp", "100.96.0.2", 1, "10.0.0.5",
                22, 0)), new RecordSource("a", "b", "c")).get(0);

        ObjectNode extra = good.deepCopy();
        extra.put("password", "x");
        ObjectNode missing = good.deepCopy();
        missing.remove("reason");
        ObjectNode wrongType = good.deepCopy();
        wrongType.put("suppressed", "many");

        assertThat(schema.problems(extra)).anyMatch(p -> p.contains("undocumented field password"));
        assertThat(schema.problems(missing)).anyMatch(p -> p.contains("lacks always field reason"));
        assertThat(schema.problems(wrongType)).anyMatch(p -> p.contains("suppressed is not a integer"));
    }
}
