package dev.pinhole.ipset.feed;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** How a feed body is read into prefixes: JSON with selections, or plain text with one prefix per line. */
public sealed interface FeedFormat permits FeedFormat.Json, FeedFormat.PlainText {

    /**
     * Reads a whole body; sans-I/O, the caller fetched it.
     *
     * @param source the source's name for messages, e.g. "github/actions"
     * @throws FeedParseException naming the source, the field and what was expected
     */
    FeedContent parse(String source, byte[] body, FeedLimits limits);

    /**
     * A JSON document; every selection's strings are prefixes. {@code versionField} and {@code timestampField}
     * name top-level members holding the feed's own version and time (empty when the feed has none).
     */
    record Json(List<FeedSelection> selections, Optional<String> versionField, Optional<String> timestampField)
            implements FeedFormat {
        /** Deeper than any vendor feed; bounds the tree a hostile body can make the parser build. */
        static final int MAX_NESTING = 32;
        private static final ObjectMapper MAPPER = mapper();

        public Json {
            selections = List.copyOf(selections);
            if (selections.isEmpty()) {
                throw new IllegalArgumentException("a JSON feed needs at least one selection");
            }
        }

        /** A JSON feed without version or timestamp fields. */
        public static Json of(String... selections) {
            return new Json(List.of(selections).stream().map(FeedSelection::parse).toList(), Optional.empty(),
                    Optional.empty());
        }

        @Override
        public FeedContent parse(String source, byte[] body, FeedLimits limits) {
            checkSize(source, body, limits);
            JsonNode root;
            try {
                root = MAPPER.readTree(body);
            } catch (JsonProcessingException e) {
                JsonParserLocation where = JsonParserLocation.of(e);
                throw new FeedParseException(source, where.text(), "expected valid JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new FeedParseException(source, "body", "expected valid JSON: " + e.getMessage());
            }
            if (root == null || root.isMissingNode()) {
                throw new FeedParseException(source, "body", "expected a JSON document, found an empty body");
            }
            PrefixCollector prefixes = new PrefixCollector(source, limits.maxPrefixes());
            for (FeedSelection selection : selections) {
                selection.collect(root, source, prefixes);
            }
            return new FeedContent(prefixes.prefixes("selections " + selections), scalar(root, versionField),
                    scalar(root, timestampField));
        }

        private static Optional<String> scalar(JsonNode root, Optional<String> field) {
            if (field.isEmpty() || !root.isObject()) {
                return Optional.empty();
            }
            JsonNode value = root.get(field.get());
            // A feed's version is informative (status only): an odd one is left out, not a reason to refuse.
            if (value == null || !value.isValueNode() || value.isNull() || value.asText().length() > 64) {
                return Optional.empty();
            }
            return Optional.of(value.asText());
        }

        private static ObjectMapper mapper() {
            JsonFactory factory = JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING)
                            .maxNumberLength(64)
                            .maxStringLength(64 * 1024)
                            .build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build();
            // Strict duplicates: {"service":"S3","service":"EC2"} must not pass a filter one way and be read
            // another; trailing tokens: a second document glued on is not the feed.
            return new ObjectMapper(factory)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
        }
    }

    /**
     * Text with one prefix (CIDR, address or range) per line; blank lines and lines starting with "#" are
     * skipped, CRLF is accepted. The body must be UTF-8.
     */
    record PlainText() implements FeedFormat {
        @Override
        public FeedContent parse(String source, byte[] body, FeedLimits limits) {
            checkSize(source, body, limits);
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(body)).toString();
            } catch (CharacterCodingException e) {
                throw new FeedParseException(source, "body", "expected UTF-8 text, one prefix per line");
            }
            PrefixCollector prefixes = new PrefixCollector(source, limits.maxPrefixes());
            int line = 0;
            int start = 0;
            while (start <= text.length()) {
                int end = text.indexOf('\n', start);
                if (end < 0) {
                    end = text.length();
                }
                line++;
                String entry = text.substring(start, end).strip();
                if (!entry.isEmpty() && entry.charAt(0) != '#') {
                    prefixes.add("line " + line, entry);
                }
                start = end + 1;
            }
            return new FeedContent(prefixes.prefixes("body"), Optional.empty(), Optional.empty());
        }
    }

    private static void checkSize(String source, byte[] body, FeedLimits limits) {
        if (body.length > limits.maxBodyBytes()) {
            throw new FeedParseException(source, "body", "expected at most " + limits.maxBodyBytes()
                    + " bytes, got " + body.length);
        }
    }
}
