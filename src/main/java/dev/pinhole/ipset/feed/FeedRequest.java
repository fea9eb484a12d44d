package dev.pinhole.ipset.feed;

import java.net.URI;
import java.util.Objects;

/** One feed to fetch and how to read it, named for status and events (e.g. "github/actions,hooks"). */
public record FeedRequest(String name, URI url, FeedFormat format) {
    public FeedRequest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(format, "format");
    }
}
