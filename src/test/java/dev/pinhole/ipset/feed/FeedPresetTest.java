package dev.pinhole.ipset.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinhole.ipset.Cidr;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeedPresetTest {

    private static FeedContent read(FeedPreset preset, List<String> services, List<String> regions, String fixture) {
        List<FeedRequest> requests = preset.requests(preset.defaultOrigin(), services, regions);
        assertThat(requests).hasSize(1);
        return requests.get(0).format().parse(requests.get(0).name(), Fixtures.read(fixture), FeedLimits.DEFAULT);
    }

    private static List<String> text(FeedContent content) {
        return content.prefixes().stream().map(Cidr::toString).toList();
    }

    @Test
    void githubSelectsOnlyTheNamedServicesWithoutDuplicates() {
        FeedContent content = read(FeedPreset.GITHUB, List.of("actions", "hooks"), List.of(), "github-meta.json");

        assertThat(text(content)).containsExactly("4.148.0.0/16", "4.149.0.0/18", "13.64.0.0/16",
                "185.199.108.0/22", "192.30.252.0/22", "2603:1030:2::/48", "2a0a:a440::/29");
        assertThat(content.version()).isEmpty();
    }

    @Test
    void githubRequestsTheMetaEndpointNamedForItsServices() {
        FeedRequest request = FeedPreset.GITHUB.requests(FeedPreset.GITHUB.defaultOrigin(), List.of("actions"),
                List.of()).get(0);

        assertThat(request.url()).isEqualTo(URI.create("https://api.github.com/meta"));
        assertThat(request.name()).isEqualTo("github/actions");
    }

    @Test
    void githubRefusesMembersThatAreNotRangeLists() {
        assertThatThrownBy(() -> FeedPreset.GITHUB.requests(FeedPreset.GITHUB.defaultOrigin(), List.of("domains"),
                List.of())).hasMessageContaining("no service \"domains\"");
        assertThatThrownBy(() -> FeedPreset.GITHUB.requests(FeedPreset.GITHUB.defaultOrigin(), List.of("ssh_keys"),
                List.of())).hasMessageContaining("no service \"ssh_keys\"");
    }

    @Test
    void githubWithoutServicesIsRefusedRatherThanTakingEverything() {
        assertThatThrownBy(() -> FeedPreset.GITHUB.requests(FeedPreset.GITHUB.defaultOrigin(), List.of(), List.of()))
                .hasMessageContaining("needs services");
    }

    @Test
    void githubServiceMissingFromTheFeedIsAnErrorNotAnEmptyList() {
        FeedRequest request = FeedPreset.GITHUB.requests(FeedPreset.GITHUB.defaultOrigin(), List.of("copilot"),
                List.of()).get(0);

        assertThatThrownBy(() -> request.format().parse(request.name(), Fixtures.read("github-meta.json"),
                FeedLimits.DEFAULT))
                .isInstanceOf(FeedParseException.class)
                .hasMessage("\"github/copilot\": /copilot: expected a member selected by \"/copilot/*\", found none");
    }

    @Test
    void awsFiltersByServiceAndRegionInBothFamilies() {
        FeedContent content = read(FeedPreset.AWS, List.of("S3"), List.of("eu-west-1"), "aws-ip-ranges.json");

        assertThat(text(content)).containsExactly("3.5.64.0/21", "52.218.0.0/17", "2a05:d07a:a000::/40");
        assertThat(content.version()).contains("1764950590");
        assertThat(content.timestamp()).contains("2026-12-05-16-03-10");
    }

    @Test
    void awsWithoutFiltersTakesEveryPrefix() {
        FeedContent content = read(FeedPreset.AWS, List.of(), List.of(), "aws-ip-ranges.json");

        assertThat(content.prefixes()).hasSize(8);
    }

    @Test
    void awsRegionTypoSelectingNothingIsAnError() {
        assertThatThrownBy(() -> read(FeedPreset.AWS, List.of("S3"), List.of("eu-wset-1"), "aws-ip-ranges.json"))
                .isInstanceOf(FeedParseException.class)
                .hasMessageContaining("expected at least one prefix, found none");
    }

    @Test
    void googleCloudReadsBothPrefixKindsOfTheRegion() {
        FeedContent content = read(FeedPreset.GOOGLE_CLOUD, List.of("Google Cloud"), List.of("europe-west1"),
                "google-cloud.json");

        assertThat(text(content)).containsExactly("34.35.0.0/16", "2600:1900:4010::/44");
        assertThat(content.version()).contains("1764943200786");
        assertThat(content.timestamp()).contains("2026-12-05T06:00:00.786234");
    }

    @Test
    void atlassianMatchesProductsAndRegionsHeldInArrays() {
        FeedContent content = read(FeedPreset.ATLASSIAN, List.of("jira"), List.of(), "atlassian-ip-ranges.json");

        assertThat(text(content)).containsExactly("13.52.5.0/25", "2401:1d80:3000::/36");
        assertThat(content.version()).contains("1764907210");

        assertThat(text(read(FeedPreset.ATLASSIAN, List.of("bitbucket"), List.of("us-west-2"),
                "atlassian-ip-ranges.json"))).containsExactly("104.192.136.0/21");
    }

    @Test
    void cloudflareFetchesBothPlainTextLists() {
        List<FeedRequest> requests = FeedPreset.CLOUDFLARE.requests(URI.create("https://feeds.test:8443"),
                List.of(), List.of());

        assertThat(requests).extracting(FeedRequest::url).containsExactly(
                URI.create("https://feeds.test:8443/ips-v4"), URI.create("https://feeds.test:8443/ips-v6"));
        assertThat(requests.get(0).format().parse("cloudflare/ips-v4", Fixtures.read("cloudflare-ips-v4"),
                FeedLimits.DEFAULT).prefixes()).hasSize(4);
        assertThat(requests.get(1).format().parse("cloudflare/ips-v6", Fixtures.read("cloudflare-ips-v6"),
                FeedLimits.DEFAULT).prefixes()).hasSize(3);
    }

    @Test
    void aPresetRefusesFiltersItCannotApply() {
        assertThatThrownBy(() -> FeedPreset.CLOUDFLARE.requests(FeedPreset.CLOUDFLARE.defaultOrigin(),
                List.of("cdn"), List.of())).hasMessage("preset cloudflare cannot filter by services");
        assertThatThrownBy(() -> FeedPreset.GITHUB.requests(FeedPreset.GITHUB.defaultOrigin(), List.of("git"),
                List.of("eu"))).hasMessage("preset github cannot filter by regions");
    }

    @Test
    void aFilterValueCannotInjectSelectionSyntax() {
        assertThatThrownBy(() -> FeedPreset.AWS.requests(FeedPreset.AWS.defaultOrigin(),
                List.of("S3][region=us-east-1"), List.of()))
                .hasMessageStartingWith("services value \"S3][region=us-east-1\" is not a vendor name");
        assertThatThrownBy(() -> FeedPreset.AWS.requests(FeedPreset.AWS.defaultOrigin(), List.of("S3|EC2"),
                List.of())).hasMessageContaining("is not a vendor name");
    }

    @Test
    void presetsAreFoundByTheirKey() {
        assertThat(FeedPreset.byKey("google-cloud")).contains(FeedPreset.GOOGLE_CLOUD);
        assertThat(FeedPreset.byKey("GITHUB")).isEmpty();
    }
}
