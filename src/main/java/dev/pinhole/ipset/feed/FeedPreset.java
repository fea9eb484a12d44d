package dev.pinhole.ipset.feed;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The vendors' published range feeds by name, so a user writes {@code {preset: aws, services: [S3], regions:
 * [eu-west-1]}} instead of a URL and a selection. Each preset knows its URL(s), its format and which of
 * services/regions it can filter on; what it cannot filter on is refused rather than ignored.
 */
public enum FeedPreset {
    /** GitHub's meta API: one top-level array of CIDRs per service; services are required. */
    GITHUB("github", "https://api.github.com") {
        @Override
        List<FeedRequest> build(URI origin, List<String> services, List<String> regions) {
            refuse(regions, "regions");
            if (services.isEmpty()) {
                throw new IllegalArgumentException("preset github needs services, some of " + GITHUB_SERVICES);
            }
            List<FeedSelection> selections = new ArrayList<>();
            for (String service : services) {
                if (!GITHUB_SERVICES.contains(service)) {
                    throw new IllegalArgumentException("preset github has no service "
                            + FeedParseException.quote(service) + "; expected some of " + GITHUB_SERVICES);
                }
                selections.add(FeedSelection.parse("/" + service + "/*"));
            }
            return List.of(new FeedRequest(name(services), origin.resolve("/meta"),
                    new FeedFormat.Json(selections, Optional.empty(), Optional.empty())));
        }
    },
    /** AWS ip-ranges.json: prefixes and ipv6_prefixes, each entry with service and region. */
    AWS("aws", "https://ip-ranges.amazonaws.com") {
        @Override
        List<FeedRequest> build(URI origin, List<String> services, List<String> regions) {
            return filteredJson(origin, "/ip-ranges.json", new Filters("service", services, "region", regions),
                    List.of("/prefixes/*%s/ip_prefix", "/ipv6_prefixes/*%s/ipv6_prefix"), "createDate");
        }
    },
    /** Google Cloud's cloud.json: entries with ipv4Prefix or ipv6Prefix, service and scope (the region). */
    GOOGLE_CLOUD("google-cloud", "https://www.gstatic.com") {
        @Override
        List<FeedRequest> build(URI origin, List<String> services, List<String> regions) {
            return filteredJson(origin, "/ipranges/cloud.json", new Filters("service", services, "scope", regions),
                    List.of("/prefixes/*%s/ipv4Prefix", "/prefixes/*%s/ipv6Prefix"), "creationTime");
        }
    },
    /** Cloudflare's plain-text lists, one for each family; nothing to filter on. */
    CLOUDFLARE("cloudflare", "https://www.cloudflare.com") {
        @Override
        List<FeedRequest> build(URI origin, List<String> services, List<String> regions) {
            refuse(services, "services");
            refuse(regions, "regions");
            return List.of(new FeedRequest(key() + "/ips-v4", origin.resolve("/ips-v4"), new FeedFormat.PlainText()),
                    new FeedRequest(key() + "/ips-v6", origin.resolve("/ips-v6"), new FeedFormat.PlainText()));
        }
    },
    /** Atlassian's ip-ranges.json: items with cidr, product[] (the services) and region[]. */
    ATLASSIAN("atlassian", "https://ip-ranges.atlassian.com") {
        @Override
        List<FeedRequest> build(URI origin, List<String> services, List<String> regions) {
            return filteredJson(origin, "/", new Filters("product", services, "region", regions),
                    List.of("/items/*%s/cidr"), "creationDate");
        }
    };

    /** GitHub meta members that hold CIDR lists (not domains or SSH keys). */
    static final Set<String> GITHUB_SERVICES = Set.of("hooks", "web", "api", "git", "github_enterprise_importer",
            "packages", "pages", "importer", "actions", "actions_macos", "codespaces", "dependabot", "copilot");

    /** Vendor names for services and regions: letters, digits, space, dot, dash, underscore. */
    private static final Pattern FILTER_VALUE = Pattern.compile("[A-Za-z0-9 ._-]{1,63}");
    private static final int MAX_FILTER_VALUES = 32;

    private final String key;
    private final URI defaultOrigin;

    FeedPreset(String key, String defaultOrigin) {
        this.key = key;
        this.defaultOrigin = URI.create(defaultOrigin);
    }

    /** The name users write, e.g. "google-cloud". */
    public String key() {
        return key;
    }

    /** Scheme and host the preset fetches from unless the operator settings override it. */
    public URI defaultOrigin() {
        return defaultOrigin;
    }

    /** The hosts of every preset's default origin: the allowed feed hosts when the admin lists none. */
    public static Set<String> defaultHosts() {
        return java.util.Arrays.stream(values()).map(p -> p.defaultOrigin.getHost())
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** The preset named {@code key}, or empty. */
    public static Optional<FeedPreset> byKey(String key) {
        for (FeedPreset preset : values()) {
            if (preset.key.equals(key)) {
                return Optional.of(preset);
            }
        }
        return Optional.empty();
    }

    /**
     * The requests for these services and regions from {@code origin} (the default origin, or the settings'
     * override such as a test server).
     *
     * @throws IllegalArgumentException naming the unknown service, the filter this preset lacks or the bad value
     */
    public List<FeedRequest> requests(URI origin, List<String> services, List<String> regions) {
        checkValues(services, "services");
        checkValues(regions, "regions");
        return build(origin, List.copyOf(services), List.copyOf(regions));
    }

    abstract List<FeedRequest> build(URI origin, List<String> services, List<String> regions);

    final void refuse(List<String> values, String what) {
        if (!values.isEmpty()) {
            throw new IllegalArgumentException("preset " + key + " cannot filter by " + what);
        }
    }

    private static void checkValues(List<String> values, String what) {
        if (values.size() > MAX_FILTER_VALUES) {
            throw new IllegalArgumentException("more than " + MAX_FILTER_VALUES + " " + what);
        }
        for (String value : values) {
            if (value == null || !FILTER_VALUE.matcher(value).matches()) {
                throw new IllegalArgumentException(what + " value " + FeedParseException.quote(value)
                        + " is not a vendor name (letters, digits, space, \".\", \"-\", \"_\"; at most 63)");
            }
        }
    }

    private static String filter(String field, List<String> values) {
        return values.isEmpty() ? "" : "[" + field + "=" + String.join("|", values) + "]";
    }

    /** The services and regions a request keeps, and the entry fields the vendor spells them with. */
    private record Filters(String serviceField, List<String> services, String regionField, List<String> regions) {
        String text() {
            return filter(serviceField, services) + filter(regionField, regions);
        }
    }

    /**
     * One request for a JSON feed whose entries carry the service and region to filter on: each selection
     * template has one {@code %s} where the filters go; the feed's version is its syncToken.
     */
    final List<FeedRequest> filteredJson(URI origin, String path, Filters filters, List<String> selectionTemplates,
            String timestampField) {
        List<FeedSelection> selections = selectionTemplates.stream()
                .map(template -> FeedSelection.parse(template.formatted(filters.text()))).toList();
        return List.of(new FeedRequest(name(filters.services(), filters.regions()), origin.resolve(path),
                new FeedFormat.Json(selections, Optional.of("syncToken"), Optional.of(timestampField))));
    }

    String name(List<String> services) {
        return services.isEmpty() ? key : key + "/" + String.join(",", services);
    }

    String name(List<String> services, List<String> regions) {
        String name = name(services);
        return regions.isEmpty() ? name : name + "@" + String.join(",", regions).toLowerCase(Locale.ROOT);
    }
}
