package dev.pinhole.connector.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pinhole.testing.Adversarial;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A value a client or a config chose cannot break a record's line or forge one of its fields. */
class JsonLineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String line(String value) {
        StringBuilder out = new StringBuilder();
        new JsonLine(out).begin().field("record", "lookup").field("name", value).field("n", 7L).end();
        return out.toString();
    }

    @Adversarial
    @ParameterizedTest
    @ValueSource(strings = {"evil\n{\"record\":\"flow\"}", "quote\",\"record\":\"flow", "back\\slash\\",
            "nul\u0000bell\u0007esc\u001b", "line\u2028sep\u2029", "tab\tcr\r", "lone\ud800surrogate", "\udc00"})
    void anyStringStaysOneLineAndParsesBackToItsCharacters(String hostile) throws Exception {
        String line = line(hostile);

        assertThat(line).endsWith("}\n");
        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n", "\r", "\u2028", "\u2029");
        JsonNode node = JSON.readTree(line);
        assertThat(node.get("record").asText()).isEqualTo("lookup");
        assertThat(node.size()).isEqualTo(3);
        if (hostile.chars().noneMatch(c -> Character.isSurrogate((char) c))) {
            assertThat(node.get("name").asText()).isEqualTo(hostile);
        }
    }

    @Adversarial
    @ParameterizedTest
    @ValueSource(strings = {"csi\u009b31mred", "nel\u0085next", "del\u007f", "c1\u0080\u009f"})
    void noControlCharacterReachesTheLineRaw(String hostile) throws Exception {
        // C1 controls are legal raw in JSON but a terminal showing the log acts on them (U+009B is CSI: colours,
        // cursor moves, a line that hides the one above); U+0085 is a line break to some readers.
        String line = line(hostile);

        assertThat(line.chars().filter(c -> c < 0x20 && c != '\n' || c >= 0x7F && c <= 0x9F)).isEmpty();
        assertThat(JSON.readTree(line).get("name").asText()).isEqualTo(hostile);
    }

    @Test
    void nullFieldsAreLeftOutAndArraysAndNestedObjectsAreJson() throws Exception {
        StringBuilder out = new StringBuilder();
        new JsonLine(out).begin().field("a", (String) null).field("list", List.of("x", "y\"")).object("o")
                .field("b", true).close().field("after", 1L).end();

        JsonNode node = JSON.readTree(out.toString());
        assertThat(node.has("a")).isFalse();
        assertThat(node.get("list").get(1).asText()).isEqualTo("y\"");
        assertThat(node.get("o").get("b").asBoolean()).isTrue();
        assertThat(node.get("after").asLong()).isEqualTo(1);
    }

    @Test
    void aValidSurrogatePairIsKept() throws Exception {
        JsonNode node = JSON.readTree(line("snow \ud83c\udf28"));

        assertThat(node.get("name").asText()).isEqualTo("snow \ud83c\udf28");
    }
}
