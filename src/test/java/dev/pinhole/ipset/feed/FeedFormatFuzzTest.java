package dev.pinhole.ipset.feed;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

class FeedFormatFuzzTest {
    private static final FeedLimits LIMITS = new FeedLimits(64 * 1024, 200);
    private static final FeedFormat AWS = FeedPreset.AWS.requests(FeedPreset.AWS.defaultOrigin(),
            java.util.List.of("S3"), java.util.List.of()).get(0).format();
    private static final FeedFormat ATLASSIAN = FeedPreset.ATLASSIAN.requests(FeedPreset.ATLASSIAN.defaultOrigin(),
            java.util.List.of("jira"), java.util.List.of("global")).get(0).format();

    /** Any body either yields at most the capped number of prefixes or a FeedParseException; nothing else. */
    @FuzzTest(maxDuration = "30s")
    void jsonBody(FuzzedDataProvider data) {
        FeedFormat format = data.consumeBoolean() ? AWS : ATLASSIAN;
        check(format, data.consumeRemainingAsBytes());
    }

    /** The plain-text reader under the same contract. */
    @FuzzTest(maxDuration = "30s")
    void plainTextBody(FuzzedDataProvider data) {
        check(new FeedFormat.PlainText(), data.consumeRemainingAsBytes());
    }

    /** Selection text either parses or fails with IllegalArgumentException naming the selection. */
    @FuzzTest(maxDuration = "30s")
    void selectionText(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        try {
            FeedSelection selection = FeedSelection.parse(text);
            assertThat(selection.steps()).isNotEmpty().hasSizeLessThanOrEqualTo(FeedSelection.MAX_STEPS);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).startsWith("selection ").doesNotContainPattern("\\p{Cntrl}");
        }
    }

    private static void check(FeedFormat format, byte[] body) {
        try {
            FeedContent content = format.parse("fuzz", body, LIMITS);
            assertThat(content.prefixes()).isNotEmpty().hasSizeLessThanOrEqualTo(LIMITS.maxPrefixes());
            assertThat(content.prefixes()).isSorted().doesNotHaveDuplicates();
        } catch (FeedParseException e) {
            assertThat(e.getMessage()).startsWith("\"fuzz\": ").doesNotContainPattern("[\\p{Cntrl}\u2028\u2029]");
            assertThat(e.getMessage().length()).isLessThan(600);
        }
        assertThat(new String(body, StandardCharsets.ISO_8859_1)).isNotNull();
    }
}
