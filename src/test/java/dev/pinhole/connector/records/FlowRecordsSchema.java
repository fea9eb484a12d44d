package dev.pinhole.connector.records;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The schema as docs/flow-records.md documents it, read from its marked tables ({@code <!-- schema:KIND -->}), and
 * a check of one parsed record against it: every field documented for its kind (or for every record), of the
 * documented JSON type, every {@code always} field present ({@code client}: in every record but a gap), {@code counted}
 * fields exactly in flow update and end records, {@code end} fields exactly in flow end records, and fields in the
 * documented order. Tests call it on every record they capture, so the page and the code cannot
 * drift.
 */
public final class FlowRecordsSchema {
    public static final Path DOC = Path.of("docs/flow-records.md");

    /** One documented field. */
    public record Field(String name, String type, String presence) {}

    private final Map<String, Map<String, Field>> tables;

    private FlowRecordsSchema(Map<String, Map<String, Field>> tables) {
        this.tables = tables;
    }

    public static FlowRecordsSchema read() {
        try {
            return parse(Files.readString(DOC));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static FlowRecordsSchema parse(String doc) {
        Map<String, Map<String, Field>> tables = new LinkedHashMap<>();
        for (String table : List.of("common", "flow", "refusal", "lookup", "summary", "gap")) {
            int start = doc.indexOf("<!-- schema:" + table + " -->");
            int end = doc.indexOf("<!-- /schema:" + table + " -->");
            if (start < 0 || end < start) {
                throw new IllegalStateException(DOC + " has no schema:" + table + " table");
            }
            Map<String, Field> fields = new LinkedHashMap<>();
            for (String line : doc.substring(start, end).split("\n")) {
                if (!line.startsWith("| `")) {
                    continue;
                }
                String[] cells = line.split("\\|");
                String name = cells[1].strip().replace("`", "");
                fields.put(name, new Field(name, cells[2].strip(), cells[3].strip()));
            }
            tables.put(table, fields);
        }
        return new FlowRecordsSchema(tables);
    }

    /** The documented fields of {@code kind} (its own table), in order. */
    public Map<String, Field> fields(String kind) {
        return tables.get(kind);
    }

    /** What is wrong with {@code record} by the documented schema; empty when nothing. */
    public List<String> problems(JsonNode record) {
        List<String> problems = new ArrayList<>();
        String kind = record.path("record").asText();
        if (!tables.containsKey(kind) || kind.equals("common")) {
            return List.of("undocumented record kind " + kind + ": " + record);
        }
        Map<String, Field> allowed = new LinkedHashMap<>(tables.get("common"));
        allowed.putAll(tables.get(kind));
        boolean flowEnd = kind.equals("flow") && record.path("event").asText().equals("end");
        boolean counted = flowEnd || kind.equals("flow") && record.path("event").asText().equals("update");
        List<String> order = new ArrayList<>(allowed.keySet());
        int last = -1;
        for (Iterator<String> names = record.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            Field f = allowed.get(name);
            if (f == null) {
                problems.add(kind + " has undocumented field " + name);
                continue;
            }
            if (!typeMatches(f.type(), record.get(name))) {
                problems.add(kind + "." + name + " is not a " + f.type() + ": " + record.get(name));
            }
            if (f.presence().equals("end") && !flowEnd) {
                problems.add(kind + "." + name + " appears outside a flow end record");
            }
            if (f.presence().equals("counted") && !counted) {
                problems.add(kind + "." + name + " appears outside a flow update or end record");
            }
            int at = order.indexOf(name);
            if (at < last) {
                problems.add(kind + "." + name + " is out of the documented order");
            }
            last = at;
        }
        for (Field f : allowed.values()) {
            boolean required = f.presence().equals("always") || f.presence().equals("end") && flowEnd
                    || f.presence().equals("counted") && counted || f.presence().equals("client") && !kind.equals("gap");
            if (required && !record.has(f.name())) {
                problems.add(kind + " lacks " + f.presence() + " field " + f.name());
            }
        }
        if (record.path("schema").asInt() != RecordStream.SCHEMA) {
            problems.add("schema is not " + RecordStream.SCHEMA);
        }
        return problems;
    }

    private static boolean typeMatches(String type, JsonNode value) {
        return switch (type) {
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "string[]" -> value.isArray() && allText(value);
            default -> throw new IllegalStateException("undocumented type " + type + " in " + DOC);
        };
    }

    private static boolean allText(JsonNode array) {
        for (JsonNode n : array) {
            if (!n.isTextual()) {
                return false;
            }
        }
        return true;
    }
}
