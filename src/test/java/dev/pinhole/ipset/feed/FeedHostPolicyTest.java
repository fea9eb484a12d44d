package dev.pinhole.ipset.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.ipset.ForbiddenAddresses;
import java.net.URI;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a careless admin writes into pinhole.feeds.allowed-hosts: a URL or a default port instead of a host. */
class FeedHostPolicyTest {
    private static FeedHostPolicy allowing(String... hosts) {
        return new FeedHostPolicy(Set.of(hosts), Set.of(), new ForbiddenAddresses(List.of(), List.of()));
    }

    @Test
    void anEntryWrittenAsAnOriginAllowsItsHost() {
        FeedHostPolicy policy = allowing("https://API.github.com/", "ip-ranges.amazonaws.com:443");

        assertThat(policy.refuseUrl(URI.create("https://api.github.com/meta"))).isEmpty();
        assertThat(policy.refuseUrl(URI.create("https://ip-ranges.amazonaws.com/ip-ranges.json"))).isEmpty();
        assertThat(policy.refuseUrl(URI.create("https://evil.example/meta"))).isPresent();
    }

    @Test
    void anEntryWithAPathIsRefusedNamingIt() {
        assertThatThrownBy(() -> allowing("https://feeds.example.com/ranges.json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("feed host \"https://feeds.example.com/ranges.json\": expected a host name such as"
                        + " api.github.com (any port; no path, query or user info)");
    }
}
