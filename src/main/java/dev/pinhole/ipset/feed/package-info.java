/**
 * Range feeds for IPSets: the vendors' published lists of their address ranges (GitHub's meta, AWS's
 * ip-ranges.json, Google Cloud's cloud.json, Cloudflare's ips-v4/v6, Atlassian's ip-ranges.json) read into
 * prefixes. Sans-I/O: {@link dev.pinhole.ipset.feed.FeedFormat#parse} takes a fetched body and returns
 * {@link dev.pinhole.ipset.feed.FeedContent}; fetching lives elsewhere. No Kubernetes or Quarkus types.
 *
 * <p>Selection language. A JSON feed is read through {@link dev.pinhole.ipset.feed.FeedSelection}: JSON
 * Pointer steps ({@code /prefixes}) plus {@code *} for "every element" with optional equality filters
 * ({@code /prefixes/*[service=S3|EC2][region=eu-west-1]/ip_prefix}). Chosen over JSONPath or JMESPath (or
 * jq) because a namespace user writes it into a CR the operator evaluates: it has no recursion ({@code ..}),
 * no functions, no expressions and no regular expressions, so its cost is linear in the body (already capped)
 * and its meaning is obvious from the text; every vendor feed above needs only these steps. JSONPath
 * libraries (Jayway json-path) bring script filters and a second JSON stack; JMESPath and jq are languages
 * whose cost we would have to bound ourselves.
 *
 * <p>Hostile bodies. Every feed is bounded before it is read ({@link dev.pinhole.ipset.feed.FeedLimits}: body
 * bytes, prefix count; JSON nesting depth, string and number lengths; duplicate keys and trailing documents
 * refused), every prefix goes through {@link dev.pinhole.ipset.IpEntryParser}, an empty result is an error
 * (never "no ranges"), and every failure is a {@link dev.pinhole.ipset.feed.FeedParseException} naming the
 * source, the field and what was expected.
 */
package dev.pinhole.ipset.feed;
