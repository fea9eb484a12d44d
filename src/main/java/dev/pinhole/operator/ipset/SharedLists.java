package dev.pinhole.operator.ipset;

import dev.pinhole.ipset.feed.FeedContent;
import dev.pinhole.ipset.feed.FeedFormat;
import dev.pinhole.ipset.feed.FeedRequest;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One copy of each parsed list, shared by every source that holds it: sources with the same URL, format and
 * selection that parsed the same prefixes (same digest, version and timestamp) hold one {@link FeedContent}, so a
 * hundred sets following the AWS preset cost the heap one AWS list, not a hundred. Entries are weak: a list no
 * source holds any more (replaced, its set deleted) is collected and its entry purged on the next intern.
 */
final class SharedLists {
    private record Key(URI url, FeedFormat format, String digest, Optional<String> version,
            Optional<String> timestamp) {}

    private static final class Ref extends WeakReference<FeedContent> {
        final Key key;

        Ref(Key key, FeedContent content, ReferenceQueue<FeedContent> queue) {
            super(content, queue);
            this.key = key;
        }
    }

    private final Map<Key, Ref> lists = new HashMap<>();
    private final ReferenceQueue<FeedContent> collected = new ReferenceQueue<>();

    /** The shared copy of {@code content} as {@code request} reads it: an earlier equal one, or this one. */
    synchronized FeedContent intern(FeedRequest request, FeedContent content) {
        purge();
        Key key = new Key(request.url(), request.format(), content.digest(), content.version(),
                content.timestamp());
        Ref known = lists.get(key);
        FeedContent shared = known == null ? null : known.get();
        if (shared != null) {
            return shared;
        }
        lists.put(key, new Ref(key, content, collected));
        return content;
    }

    /** Lists still held by some source (for tests and the size bound's documentation). */
    synchronized int size() {
        purge();
        return lists.size();
    }

    private void purge() {
        for (Ref ref = (Ref) collected.poll(); ref != null; ref = (Ref) collected.poll()) {
            lists.remove(ref.key, ref);
        }
    }
}
