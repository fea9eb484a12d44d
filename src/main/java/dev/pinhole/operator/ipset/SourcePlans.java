package dev.pinhole.operator.ipset;

import dev.pinhole.api.IPSetSource;
import dev.pinhole.connector.config.ConfigProblem;
import dev.pinhole.ipset.feed.FeedFormat;
import dev.pinhole.ipset.feed.FeedHostPolicy;
import dev.pinhole.ipset.feed.FeedPreset;
import dev.pinhole.ipset.feed.FeedRequest;
import dev.pinhole.ipset.feed.FeedSelection;
import dev.pinhole.ipset.feed.RefreshPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns {@code spec.sources} into the feeds to fetch, checking what the CRD's CEL rules check (for objects written
 * before them, or an API server without them) and what CEL cannot: the selection grammar, a preset's services, and
 * whether the operator may fetch from the URL's host at all. A problem names the field, the value and what is
 * expected, like the connector spec check.
 */
public final class SourcePlans {
    private static final Pattern DURATION = Pattern.compile("(?:([0-9]{1,4})h)?(?:([0-9]{1,6})m)?(?:([0-9]{1,8})s)?");

    /** The plans, or the first problem. */
    public sealed interface Result permits Planned, Invalid {}

    /** Every source is fine: these feeds, in spec order. */
    public record Planned(List<SourcePlan> plans) implements Result {}

    /** A source that cannot be followed, and why. */
    public record Invalid(ConfigProblem problem) implements Result {}

    private final PresetOrigins origins;
    private final FeedHostPolicy policy;
    private final double maxShrink;

    public SourcePlans(PresetOrigins origins, FeedHostPolicy policy, double maxShrink) {
        this.origins = origins;
        this.policy = policy;
        this.maxShrink = maxShrink;
    }

    public Result plan(List<IPSetSource> sources) {
        List<SourcePlan> plans = new ArrayList<>();
        if (sources == null) {
            return new Planned(plans);
        }
        for (int i = 0; i < sources.size(); i++) {
            String field = "spec.sources[" + i + "]";
            IPSetSource source = sources.get(i);
            if (source == null) {
                return invalid(field, null, "expected a source with url or preset");
            }
            Duration interval;
            String refresh = source.getRefresh() == null ? IPSetSource.DEFAULT_REFRESH : source.getRefresh();
            Optional<Duration> parsed = duration(refresh);
            if (parsed.isEmpty() || parsed.get().compareTo(RefreshPolicy.MIN_INTERVAL) < 0) {
                return invalid(field + ".refresh", refresh, "expected a duration of at least "
                        + IPSetSource.MIN_REFRESH + " such as 1h or 90m");
            }
            interval = parsed.get();
            RefreshPolicy refreshPolicy = new RefreshPolicy(interval, RefreshPolicy.BACKOFF_BASE, maxShrink,
                    interval.multipliedBy(3));
            List<FeedRequest> requests = new ArrayList<>();
            Optional<ConfigProblem> problem = (source.getUrl() != null) == (source.getPreset() != null)
                    ? Optional.of(new ConfigProblem(field, null, "expected either url (with format) or preset"))
                    : source.getUrl() != null ? urlSource(field, source, requests)
                    : presetSource(field, source, requests);
            if (problem.isPresent()) {
                return new Invalid(problem.get());
            }
            for (FeedRequest request : requests) {
                plans.add(new SourcePlan(i, request, refreshPolicy));
            }
        }
        return new Planned(List.copyOf(plans));
    }

    private Optional<ConfigProblem> urlSource(String field, IPSetSource source, List<FeedRequest> out) {
        if (notEmpty(source.getServices()) || notEmpty(source.getRegions())) {
            return problem(field, null, "services and regions filter presets; a url source filters with select");
        }
        URI url;
        try {
            url = new URI(source.getUrl());
        } catch (URISyntaxException e) {
            return problem(field + ".url", source.getUrl(), "expected an https URL (" + e.getReason() + ")");
        }
        Optional<String> refused = policy.refuseUrl(url);
        if (refused.isPresent()) {
            return problem(field + ".url", source.getUrl(), refused.get()
                    + " (an admin lists feed hosts in pinhole.feeds.allowed-hosts)");
        }
        List<String> selections = source.getSelect() == null ? List.of() : source.getSelect();
        FeedFormat format;
        if ("text".equals(source.getFormat())) {
            if (!selections.isEmpty()) {
                return problem(field + ".select", selections.get(0), "format text takes no select");
            }
            format = new FeedFormat.PlainText();
        } else if ("json".equals(source.getFormat())) {
            if (selections.isEmpty()) {
                return problem(field + ".select", null, "format json needs at least one selection");
            }
            List<FeedSelection> parsed = new ArrayList<>();
            for (int j = 0; j < selections.size(); j++) {
                try {
                    parsed.add(FeedSelection.parse(selections.get(j)));
                } catch (IllegalArgumentException e) {
                    return problem(field + ".select[" + j + "]", selections.get(j), e.getMessage());
                }
            }
            format = new FeedFormat.Json(parsed, Optional.empty(), Optional.empty());
        } else {
            return problem(field + ".format", source.getFormat(), "expected json or text");
        }
        out.add(new FeedRequest(url.getHost() + (url.getRawPath() == null ? "" : url.getRawPath()), url, format));
        return Optional.empty();
    }

    private Optional<ConfigProblem> presetSource(String field, IPSetSource source, List<FeedRequest> out) {
        if (source.getFormat() != null || notEmpty(source.getSelect())) {
            return problem(field, null, "format and select belong to url sources; a preset knows its own");
        }
        Optional<FeedPreset> preset = FeedPreset.byKey(source.getPreset());
        if (preset.isEmpty()) {
            return problem(field + ".preset", source.getPreset(),
                    "expected one of github, aws, google-cloud, cloudflare, atlassian");
        }
        try {
            out.addAll(preset.get().requests(origins.of(preset.get()), orEmpty(source.getServices()),
                    orEmpty(source.getRegions())));
        } catch (IllegalArgumentException e) {
            return problem(field, source.getPreset(), e.getMessage());
        }
        return Optional.empty();
    }

    /** A Go duration of hours, minutes and seconds ("1h", "90m", "1h30m"), as the CRD's pattern allows. */
    static Optional<Duration> duration(String text) {
        Matcher m = DURATION.matcher(text);
        if (text.isEmpty() || !m.matches()) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofHours(group(m, 1)).plusMinutes(group(m, 2)).plusSeconds(group(m, 3)));
    }

    private static long group(Matcher m, int group) {
        return m.group(group) == null ? 0 : Long.parseLong(m.group(group));
    }

    private static List<String> orEmpty(List<String> values) {
        return values == null ? List.of() : values;
    }

    private static boolean notEmpty(List<String> values) {
        return values != null && !values.isEmpty();
    }

    private static Optional<ConfigProblem> problem(String field, String value, String reason) {
        return Optional.of(new ConfigProblem(field, value, reason));
    }

    private static Invalid invalid(String field, String value, String reason) {
        return new Invalid(new ConfigProblem(field, value, reason));
    }
}
