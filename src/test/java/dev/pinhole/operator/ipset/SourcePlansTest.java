package dev.pinhole.operator.ipset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinhole.api.IPSetSource;
import dev.pinhole.ipset.ForbiddenAddresses;
import dev.pinhole.ipset.feed.FeedHostPolicy;
import dev.pinhole.ipset.feed.FeedPreset;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the reconciler accepts of spec.sources: every refusal names the field, the value and what is expected. */
class SourcePlansTest {
    private final SourcePlans plans = new SourcePlans(
            new PresetOrigins(Map.of(FeedPreset.AWS, URI.create("https://mirror.test:8443"))),
            new FeedHostPolicy(Set.of("mirror.test", "feeds.test", "api.github.com"), Set.of(),
                    new ForbiddenAddresses(FeedHostPolicy.forbiddenBlocks(List.of()), List.of())), 0.5);

    private static IPSetSource source(String url, String format, List<String> select, String preset,
            List<String> services, String refresh) {
        IPSetSource s = new IPSetSource();
        s.setUrl(url);
        s.setFormat(format);
        s.setSelect(select);
        s.setPreset(preset);
        s.setServices(services);
        s.setRefresh(refresh);
        return s;
    }

    private String problem(IPSetSource... sources) {
        SourcePlans.Result result = plans.plan(List.of(sources));
        assertThat(result).isInstanceOf(SourcePlans.Invalid.class);
        return ((SourcePlans.Invalid) result).problem().toString();
    }

    private List<SourcePlan> planned(IPSetSource... sources) {
        SourcePlans.Result result = plans.plan(List.of(sources));
        assertThat(result).isInstanceOf(SourcePlans.Planned.class);
        return ((SourcePlans.Planned) result).plans();
    }

    @Test
    void aUrlAtAnUnlistedHostIsRefusedNamingTheSetting() {
        assertThat(problem(source("https://169.254.169.254/latest/meta-data", "text", null, null, null, null)))
                .isEqualTo("spec.sources[0].url: \"https://169.254.169.254/latest/meta-data\": host"
                        + " \"169.254.169.254\" is not in the operator's allowed feed hosts (an admin lists feed"
                        + " hosts in pinhole.feeds.allowed-hosts)");
    }

    @Test
    void plainHttpIsRefusedUnlessAllowedForTheHost() {
        assertThat(problem(source("http://feeds.test/r", "text", null, null, null, null)))
                .contains("spec.sources[0].url").contains("plain http is not allowed");
    }

    @Test
    void aRefreshBelowTheFloorIsRefused() {
        assertThat(problem(source(null, null, null, "cloudflare", null, "4m59s")))
                .isEqualTo("spec.sources[0].refresh: \"4m59s\": expected a duration of at least 5m such as 1h or 90m");
        assertThat(problem(source(null, null, null, "cloudflare", null, "soon")))
                .startsWith("spec.sources[0].refresh: \"soon\"");
    }

    @Test
    void aPresetServiceItDoesNotHaveIsNamed() {
        assertThat(problem(source(null, null, null, "cloudflare", null, null),
                source(null, null, null, "github", List.of("action"), null)))
                .startsWith("spec.sources[1]: \"github\": preset github has no service \"action\"; expected some of");
    }

    @Test
    void aSelectionThatDoesNotParseIsNamed() {
        assertThat(problem(source("https://feeds.test/r.json", "json", List.of("/ok/*", "/x/..[0]"), null, null,
                null))).startsWith("spec.sources[0].select[1]: \"/x/..[0]\": ");
    }

    @Test
    void formatAndSelectMustAgree() {
        assertThat(problem(source("https://feeds.test/r.json", "json", null, null, null, null)))
                .isEqualTo("spec.sources[0].select: format json needs at least one selection");
        assertThat(problem(source("https://feeds.test/r", "text", List.of("/a/*"), null, null, null)))
                .isEqualTo("spec.sources[0].select: \"/a/*\": format text takes no select");
    }

    @Test
    void urlAndPresetTogetherAreRefused() {
        assertThat(problem(source("https://feeds.test/r", "text", null, "aws", null, null)))
                .isEqualTo("spec.sources[0]: expected either url (with format) or preset");
    }

    @Test
    void presetsFetchFromTheOverriddenOriginAndRefreshDefaultsToAnHour() {
        List<SourcePlan> planned = planned(source(null, null, null, "aws", List.of("S3"), null),
                source(null, null, null, "github", List.of("hooks"), "90m"));

        assertThat(planned).extracting(p -> p.request().url().toString())
                .containsExactly("https://mirror.test:8443/ip-ranges.json", "https://api.github.com/meta");
        assertThat(planned).extracting(p -> p.policy().interval())
                .containsExactly(Duration.ofHours(1), Duration.ofMinutes(90));
        assertThat(planned.get(0).policy().maxShrink()).isEqualTo(0.5);
    }

    @Test
    void durationsReadAsTheCrdWritesThem() {
        assertThat(SourcePlans.duration("1h30m")).contains(Duration.ofMinutes(90));
        assertThat(SourcePlans.duration("300s")).contains(Duration.ofMinutes(5));
        assertThat(SourcePlans.duration("")).isEqualTo(Optional.empty());
        assertThat(SourcePlans.duration("1d")).isEqualTo(Optional.empty());
    }
}
