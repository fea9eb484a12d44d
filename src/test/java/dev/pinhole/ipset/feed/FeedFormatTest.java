package dev.pinhole.ipset.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a hostile or broken feed server can send, and what a careless selection does. */
class FeedFormatTest {
    private static final FeedFormat AWS = FeedFormat.Json.of("/prefixes/*/ip_prefix");
    private static final FeedFormat TEXT = new FeedFormat.PlainText();

    private static FeedContent parse(FeedFormat format, String body) {
        return format.parse("test/feed", body.getBytes(StandardCharsets.UTF_8), FeedLimits.DEFAULT);
    }

    @Test
    void aPrefixWithHostBitsNamesTheFieldAndTheFix() {
        assertThatThrownBy(() -> parse(AWS, "{\"prefixes\":[{\"ip_prefix\":\"3.2.34.0/26\"},"
                + "{\"ip_prefix\":\"3.2.34.5/26\"}]}"))
                .isInstanceOf(FeedParseException.class)
                .hasMessage("\"test/feed\": /prefixes/1/ip_prefix: expected a CIDR, got \"3.2.34.5/26\": host bits"
                        + " set (did you mean 3.2.34.0/26?)")
                .hasNoCause();
    }

    @Test
    void aHostNameInAFeedIsNeverResolved() {
        assertThatThrownBy(() -> parse(TEXT, "192.0.2.0/24\nmetadata.google.internal\n"))
                .isInstanceOf(FeedParseException.class)
                .hasMessageContaining("line 2: expected a CIDR, got \"metadata.google.internal\": looks like a host"
                        + " name");
    }

    @Test
    void aNumberWhereAPrefixBelongsNamesTheTypeFound() {
        assertThatThrownBy(() -> parse(AWS, "{\"prefixes\":[{\"ip_prefix\":167772160}]}"))
                .hasMessage("\"test/feed\": /prefixes/0/ip_prefix: expected a string holding a CIDR, found a number");
    }

    @Test
    void aMisspeltSelectionFailsInsteadOfSelectingNothing() {
        assertThatThrownBy(() -> parse(FeedFormat.Json.of("/prefix/*/ip_prefix"),
                "{\"prefixes\":[{\"ip_prefix\":\"3.2.34.0/26\"}]}"))
                .hasMessage("\"test/feed\": /prefix: expected a member selected by \"/prefix/*/ip_prefix\", found"
                        + " none");
    }

    @Test
    void aFeedThatSelectsNothingIsRefusedNotTakenAsEmpty() {
        assertThatThrownBy(() -> parse(AWS, "{\"prefixes\":[]}"))
                .hasMessageContaining("expected at least one prefix, found none");
        assertThatThrownBy(() -> parse(TEXT, "# no ranges today\n\n"))
                .hasMessage("\"test/feed\": body: expected at least one prefix, found none");
    }

    @Test
    void anOversizeBodyIsRefusedBeforeItIsRead() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> AWS.parse("test/feed", new byte[1025], new FeedLimits(1024, 10)))
                .hasMessage("\"test/feed\": body: expected at most 1024 bytes, got 1025");
        assertThat(body.length).isLessThan(1024);
    }

    @Test
    void aListOverThePrefixCapIsRefusedWhole() {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 11; i++) {
            text.append("198.51.100.").append(i).append("/32\n");
        }
        assertThatThrownBy(() -> TEXT.parse("test/feed", text.toString().getBytes(StandardCharsets.UTF_8),
                new FeedLimits(1 << 20, 10)))
                .hasMessage("\"test/feed\": line 11: more than 10 prefixes (the cap)");
    }

    @Test
    void aRangeCountsAsTheCidrsItCovers() {
        assertThatThrownBy(() -> TEXT.parse("test/feed", "0.0.0.0-255.255.255.254".getBytes(StandardCharsets.UTF_8),
                new FeedLimits(1 << 20, 10)))
                .hasMessageContaining("more than 10 prefixes");
    }

    @Test
    void deepNestingIsRefusedByTheParserNotTheStack() {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        assertThatThrownBy(() -> parse(AWS, deep))
                .isInstanceOf(FeedParseException.class)
                .hasMessageContaining("expected valid JSON")
                .hasMessageContaining("nesting depth");
    }

    @Test
    void duplicateKeysAreRefusedSoAFilterCannotBeReadTwoWays() {
        FeedFormat s3 = FeedFormat.Json.of("/prefixes/*[service=S3]/ip_prefix");
        assertThatThrownBy(() -> parse(s3, "{\"prefixes\":[{\"service\":\"S3\",\"service\":\"EC2\","
                + "\"ip_prefix\":\"3.2.34.0/26\"}]}"))
                .hasMessageContaining("expected valid JSON: Duplicate field 'service'");
    }

    @Test
    void aSecondDocumentAfterTheFeedIsRefused() {
        assertThatThrownBy(() -> parse(AWS, "{\"prefixes\":[{\"ip_prefix\":\"3.2.34.0/26\"}]} {\"prefixes\":[]}"))
                .hasMessageContaining("expected valid JSON");
    }

    @Test
    void brokenJsonSaysWhere() {
        assertThatThrownBy(() -> parse(AWS, "{\"prefixes\":\n[{\"ip_prefix\": \"3.2.34.0/26\",}]}"))
                .hasMessageStartingWith("\"test/feed\": line 2, column ")
                .hasMessageContaining("expected valid JSON");
    }

    @Test
    void anEmptyBodyIsAnError() {
        assertThatThrownBy(() -> parse(AWS, "")).hasMessageContaining("found an empty body");
    }

    @Test
    void controlCharactersFromTheBodyCannotForgeLinesInTheMessage() {
        assertThatThrownBy(() -> parse(TEXT, "192.0.2.0/24\u001b[31m\u0000"))
                .isInstanceOf(FeedParseException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContainPattern("[\\p{Cntrl}]"));
        assertThatThrownBy(() -> parse(AWS, "{\"prefixes\":[{\"ip_prefix\":\"x\\n\\u2028injected\"}]}"))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContainPattern("[\\p{Cntrl}\u2028]"));
    }

    @Test
    void plainTextSkipsCommentsBlankLinesAndCarriageReturns() {
        FeedContent content = parse(TEXT, "# cloudflare\r\n173.245.48.0/20\r\n\r\n2400:cb00::/32\r\n");

        assertThat(content.prefixes()).extracting(Object::toString)
                .containsExactly("173.245.48.0/20", "2400:cb00::/32");
    }

    @Test
    void plainTextThatIsNotUtf8IsRefused() {
        assertThatThrownBy(() -> TEXT.parse("test/feed", new byte[] {'1', (byte) 0xC0, (byte) 0x80},
                FeedLimits.DEFAULT)).hasMessage("\"test/feed\": body: expected UTF-8 text, one prefix per line");
    }

    @Test
    void aFilterOnANonObjectElementNamesIt() {
        assertThatThrownBy(() -> parse(FeedFormat.Json.of("/prefixes/*[service=S3]/ip_prefix"),
                "{\"prefixes\":[\"3.2.34.0/26\"]}"))
                .hasMessage("\"test/feed\": /prefixes/0: expected an object to filter, found a string");
    }

    @Test
    void theDigestFollowsThePrefixesNotTheBytes() {
        FeedContent a = parse(TEXT, "198.51.100.0/24\n192.0.2.0/24\n");
        FeedContent b = parse(TEXT, "# same ranges, other order\n192.0.2.0/24\n\n198.51.100.0/24\n192.0.2.0/24");
        FeedContent c = parse(TEXT, "192.0.2.0/24\n");

        assertThat(a.digest()).isEqualTo(b.digest()).startsWith("sha256:").hasSize(71);
        assertThat(c.digest()).isNotEqualTo(a.digest());
    }
}
