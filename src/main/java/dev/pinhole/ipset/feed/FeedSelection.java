package dev.pinhole.ipset.feed;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One path through a JSON feed to the strings that hold its prefixes, in the package's selection language:
 * {@code /name} steps into an object member, {@code /*} into every element of an array (or every member value
 * of an object), and a {@code *} may carry filters {@code [field=value|value]} that keep only the elements whose
 * {@code field} is one of the values (or, for an array field, contains one). Examples:
 * {@code /actions/*}, {@code /prefixes/*[service=S3][region=eu-west-1]/ip_prefix}. The path must end at
 * strings.
 *
 * <p>A member missing below a {@code *} skips that element (Google's entries hold either {@code ipv4Prefix} or
 * {@code ipv6Prefix}); a member missing above every {@code *} is an error, so a misspelt selection never
 * quietly selects nothing.
 */
public record FeedSelection(String text, List<Step> steps) {
    static final int MAX_TEXT = 256;
    static final int MAX_STEPS = 8;
    static final int MAX_FILTER_VALUES = 64;

    public FeedSelection {
        steps = List.copyOf(steps);
    }

    /** One step of the path. */
    public sealed interface Step permits Member, Each {}

    /** Into the object member of that name. */
    public record Member(String name) implements Step {}

    /** Into every element (array) or member value (object) that passes all filters. */
    public record Each(Map<String, Set<String>> filters) implements Step {
        public Each {
            filters = Map.copyOf(filters);
        }
    }

    /**
     * Parses the selection text.
     *
     * @throws IllegalArgumentException naming what is wrong and where, for a status condition
     */
    public static FeedSelection parse(String text) {
        return new SelectionParser(text).parse();
    }

    /** Every string the path reaches, handed to the collector with its JSON path. */
    void collect(JsonNode root, String source, PrefixCollector out) {
        walk(root, 0, "", false, source, out);
    }

    private void walk(JsonNode node, int index, String path, boolean belowEach, String source, PrefixCollector out) {
        if (index == steps.size()) {
            if (!node.isTextual()) {
                throw new FeedParseException(source, pathOrRoot(path), "expected a string holding a CIDR, found "
                        + kind(node));
            }
            out.add(path, node.textValue());
            return;
        }
        Step step = steps.get(index);
        if (step instanceof Member member) {
            if (!node.isObject()) {
                throw new FeedParseException(source, pathOrRoot(path), "expected an object with member "
                        + FeedParseException.quote(member.name()) + ", found " + kind(node));
            }
            JsonNode child = node.get(member.name());
            if (child == null || child.isNull()) {
                if (belowEach) {
                    return;
                }
                throw new FeedParseException(source, path + "/" + member.name(), "expected a member selected by "
                        + FeedParseException.quote(text) + ", found none");
            }
            walk(child, index + 1, path + "/" + member.name(), belowEach, source, out);
            return;
        }
        Each each = (Each) step;
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode element = node.get(i);
                String elementPath = path + "/" + i;
                if (passes(each, element, elementPath, source)) {
                    walk(element, index + 1, elementPath, true, source, out);
                }
            }
        } else if (node.isObject() && each.filters().isEmpty()) {
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                walk(node.get(name), index + 1, path + "/" + name, true, source, out);
            }
        } else {
            throw new FeedParseException(source, pathOrRoot(path), (each.filters().isEmpty()
                    ? "expected an array or object, found " : "expected an array of objects to filter, found ")
                    + kind(node));
        }
    }

    private static boolean passes(Each each, JsonNode element, String path, String source) {
        if (each.filters().isEmpty()) {
            return true;
        }
        if (!element.isObject()) {
            throw new FeedParseException(source, path, "expected an object to filter, found " + kind(element));
        }
        for (Map.Entry<String, Set<String>> filter : each.filters().entrySet()) {
            JsonNode field = element.get(filter.getKey());
            if (!matches(field, filter.getValue(), path + "/" + filter.getKey(), source)) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(JsonNode field, Set<String> values, String path, String source) {
        if (field == null || field.isNull()) {
            return false;
        }
        if (field.isValueNode()) {
            return values.contains(field.asText());
        }
        if (field.isArray()) {
            for (JsonNode item : field) {
                if (!item.isValueNode()) {
                    throw new FeedParseException(source, path, "expected a string or an array of strings to filter"
                            + " on, found an array holding " + kind(item));
                }
                if (values.contains(item.asText())) {
                    return true;
                }
            }
            return false;
        }
        throw new FeedParseException(source, path, "expected a string or an array of strings to filter on, found "
                + kind(field));
    }

    private static String pathOrRoot(String path) {
        return path.isEmpty() ? "/" : path;
    }

    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL, MISSING -> "null";
            default -> "a " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    @Override
    public String toString() {
        return text;
    }
}
