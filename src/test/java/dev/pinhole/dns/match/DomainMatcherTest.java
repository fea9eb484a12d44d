package dev.pinhole.dns.match;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.dns.message.DnsName;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class DomainMatcherTest {
    private final DomainMatcher matcher = DomainMatcher.parse(List.of("github.com", "*.githubusercontent.com",
            "*.api.example.org", "Example.NET."));

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "github.com, github.com",
            "GitHub.COM., github.com",
            "github.com., github.com",
            "api.github.com, ",
            "raw.githubusercontent.com, *.githubusercontent.com",
            "a.b.RAW.githubusercontent.com., *.githubusercontent.com",
            "githubusercontent.com, ",
            "xgithubusercontent.com, ",
            "v1.api.example.org, *.api.example.org",
            "api.example.org, ",
            "example.org, ",
            "example.net, example.net",
            "www.example.net, ",
            "com, ",
    })
    void matchesExactNamesAndStrictSubdomains(String query, String expected) {
        assertThat(matcher.match(DnsName.of(query)).map(DomainPattern::toString).orElse(null)).isEqualTo(expected);
    }

    @Test
    void exactAndWildcardTogetherCoverApexAndBelow() {
        DomainMatcher both = DomainMatcher.parse(List.of("github.com", "*.github.com"));

        assertThat(both.matches(DnsName.of("github.com"))).isTrue();
        assertThat(both.matches(DnsName.of("api.github.com"))).isTrue();
        assertThat(both.matches(DnsName.of("notgithub.com"))).isFalse();
    }

    @Test
    void wireLabelContainingADotIsNotTakenForTwoLabels() throws Exception {
        // labels ["x.githubusercontent", "com"]: one label under com, not a name below githubusercontent.com
        byte[] wire = {0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0,
                19, 'x', '.', 'g', 'i', 't', 'h', 'u', 'b', 'u', 's', 'e', 'r', 'c', 'o', 'n', 't', 'e', 'n', 't',
                3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
        DnsName tricky = dev.pinhole.dns.message.DnsMessageDecoder.decode(wire).questions().get(0).name();

        assertThat(tricky.labelCount()).isEqualTo(2);
        assertThat(matcher.matches(tricky)).isFalse();
    }

    @Test
    void unicodeNamesAreStoredAsPunycode() {
        assertThat(DomainPattern.parse("*.bücher.example").toString()).isEqualTo("*.xn--bcher-kva.example");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "\"\"| is empty",
            "*| would match every name",
            "*.| would match every name",
            ".| would match every name",
            "*.com| covers a whole top-level domain",
            "a.*.example.com| '*' is only allowed as the whole first label",
            "foo*.example.com| '*' is only allowed",
            "a..example.com| not a valid domain name",
            "exa mple.com| not a valid domain name",
            "-bad.example.com| not a valid domain name",
    })
    void invalidPatternsAreRejectedNamingTheValue(String value, String why) {
        assertThatThrownBy(() -> DomainPattern.parse(value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + value + "'")
                .hasMessageContaining(why.strip());
    }

    @Test
    void overlongLabelIsRejectedWithItsLength() {
        String value = "a".repeat(64) + ".example.com";
        assertThatThrownBy(() -> DomainPattern.parse(value)).hasMessageContaining(value);
    }

    @Test
    void emptyMatcherMatchesNothing() {
        assertThat(DomainMatcher.none().matches(DnsName.of("github.com"))).isFalse();
    }
}
