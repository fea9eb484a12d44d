package dev.pinhole.operator.ipset;

import dev.pinhole.ipset.feed.FeedRequest;
import dev.pinhole.ipset.feed.RefreshPolicy;

/** One feed to follow for an IPSet: which spec.sources entry asked for it, what to fetch and how often. */
public record SourcePlan(int index, FeedRequest request, RefreshPolicy policy) {}
