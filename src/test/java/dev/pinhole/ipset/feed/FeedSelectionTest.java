package dev.pinhole.ipset.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FeedSelectionTest {

    @Test
    void readsMembersWildcardsAndFilters() {
        FeedSelection selection = FeedSelection.parse("/prefixes/*[service=S3|EC2][region=eu-west-1]/ip_prefix");

        assertThat(selection.steps()).containsExactly(new FeedSelection.Member("prefixes"),
                new FeedSelection.Each(Map.of("service", Set.of("S3", "EC2"), "region", Set.of("eu-west-1"))),
                new FeedSelection.Member("ip_prefix"));
    }

    @Test
    void filterValuesMayHoldSpaces() {
        assertThat(FeedSelection.parse("/prefixes/*[service=Google Cloud]/ipv4Prefix").steps().get(1))
                .isEqualTo(new FeedSelection.Each(Map.of("service", Set.of("Google Cloud"))));
    }

    @Test
    void refusesWhatIsNotAPath() {
        for (String bad : List.of("", "prefixes", "/", "//x", "/x/", "/*[", "/*[a]", "/*[a=]", "/*[=b]", "/*[a=b",
                "/*[a=b|]", "/*[a=b][a=c]", "/x[a=b]", "/*x", "/a\u0000b")) {
            assertThatThrownBy(() -> FeedSelection.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("selection ");
        }
        assertThatThrownBy(() -> FeedSelection.parse(null)).hasMessageStartingWith("selection null is empty");
    }

    @Test
    void boundsTheTextTheStepsAndTheValues() {
        assertThatThrownBy(() -> FeedSelection.parse("/a".repeat(9))).hasMessageContaining("more than 8 steps");
        assertThatThrownBy(() -> FeedSelection.parse("/" + "a".repeat(300))).hasMessageContaining("longer than 256");
        StringBuilder many = new StringBuilder("/*[r=v0");
        for (int i = 1; i <= 64; i++) {
            many.append("|v").append(i);
        }
        assertThatThrownBy(() -> FeedSelection.parse(many + "]")).hasMessageContaining("more than 64 values");
    }

    @Test
    void aWildcardOverAnObjectTakesEveryMemberValue() {
        FeedContent content = FeedFormat.Json.of("/ranges/*/*").parse("t",
                "{\"ranges\":{\"a\":[\"192.0.2.0/24\"],\"b\":[\"198.51.100.0/24\"]}}".getBytes(), FeedLimits.DEFAULT);

        assertThat(content.prefixes()).hasSize(2);
    }
}
