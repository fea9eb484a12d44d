package dev.pinhole.operator.ipset;

/**
 * What one namespace's IPSet sources may hold in the operator: how many feeds it follows at once and how many
 * prefixes their lists hold (each distinct list once). A namespace user writes IPSets; without these a thousand
 * sets, or one set per distinct URL on an allowed host, would hold their lists in the operator's heap without bound.
 */
public record FeedBudget(int maxSources, long maxPrefixes) {
    /** The setting that bounds {@link #maxSources()}, named in refusals. */
    static final String SOURCES_SETTING = "pinhole.feeds.max-sources-per-namespace";
    /** The setting that bounds {@link #maxPrefixes()}, named in refusals. */
    static final String PREFIXES_SETTING = "pinhole.feeds.max-prefixes-per-namespace";
    /** The chart's and the settings' defaults. */
    public static final FeedBudget DEFAULT = new FeedBudget(128, 100_000);

    public FeedBudget {
        if (maxSources <= 0 || maxPrefixes <= 0) {
            throw new IllegalArgumentException(SOURCES_SETTING + " and " + PREFIXES_SETTING + " must be positive");
        }
    }
}
