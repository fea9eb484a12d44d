package dev.pinhole.operator.ipset;

import dev.pinhole.ipset.feed.FeedPreset;
import java.net.URI;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The origin each preset fetches from: its vendor's, unless the operator settings name a mirror or a test server. */
public record PresetOrigins(Map<FeedPreset, URI> overrides) {
    public static final PresetOrigins DEFAULT = new PresetOrigins(Map.of());

    public PresetOrigins {
        overrides = Map.copyOf(overrides);
    }

    /**
     * Reads "preset=https://host[:port]" pairs (pinhole.feeds.preset-origins).
     *
     * @throws IllegalArgumentException naming the pair that is not one, so a bad setting stops the operator at start
     */
    public static PresetOrigins parse(List<String> pairs) {
        Map<FeedPreset, URI> overrides = new EnumMap<>(FeedPreset.class);
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            FeedPreset preset = eq < 0 ? null : FeedPreset.byKey(pair.substring(0, eq).strip()).orElse(null);
            if (preset == null) {
                throw new IllegalArgumentException("pinhole.feeds.preset-origins: \"" + pair
                        + "\" is not preset=https://host[:port] with a preset of github, aws, google-cloud,"
                        + " cloudflare, atlassian");
            }
            URI origin = URI.create(pair.substring(eq + 1).strip());
            if (!origin.isAbsolute() || origin.getHost() == null) {
                throw new IllegalArgumentException("pinhole.feeds.preset-origins: \"" + pair
                        + "\": the origin is not an absolute URL with a host");
            }
            overrides.put(preset, origin);
        }
        return new PresetOrigins(overrides);
    }

    /** Where {@code preset} is fetched from. */
    public URI of(FeedPreset preset) {
        return overrides.getOrDefault(preset, preset.defaultOrigin());
    }
}
