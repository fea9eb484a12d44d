package dev.pinhole.ipset.feed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads the text of a {@link FeedSelection}; one pass, bounded by the text's length cap. */
final class SelectionParser {
    private static final String SPECIAL = "/*[]=|";

    private final String text;
    private int pos;

    SelectionParser(String text) {
        this.text = text;
    }

    FeedSelection parse() {
        if (text == null || text.isEmpty()) {
            throw error("is empty; expected a path such as /prefixes/*/ip_prefix");
        }
        if (text.length() > FeedSelection.MAX_TEXT) {
            throw error("is longer than " + FeedSelection.MAX_TEXT + " characters");
        }
        List<FeedSelection.Step> steps = new ArrayList<>();
        while (pos < text.length()) {
            expect('/');
            if (steps.size() == FeedSelection.MAX_STEPS) {
                throw error("has more than " + FeedSelection.MAX_STEPS + " steps");
            }
            if (peek() == '*') {
                pos++;
                steps.add(new FeedSelection.Each(filters()));
            } else {
                steps.add(new FeedSelection.Member(name("a member name or *")));
            }
        }
        return new FeedSelection(text, steps);
    }

    private Map<String, Set<String>> filters() {
        Map<String, Set<String>> filters = new LinkedHashMap<>();
        while (peek() == '[') {
            pos++;
            String field = name("a field name");
            if (filters.containsKey(field)) {
                throw error("filters " + FeedParseException.quote(field) + " twice at character " + pos);
            }
            expect('=');
            Set<String> values = new LinkedHashSet<>();
            values.add(name("a value"));
            while (peek() == '|') {
                pos++;
                values.add(name("a value"));
                if (values.size() > FeedSelection.MAX_FILTER_VALUES) {
                    throw error("has more than " + FeedSelection.MAX_FILTER_VALUES + " values in one filter");
                }
            }
            expect(']');
            filters.put(field, values);
        }
        return filters;
    }

    private String name(String what) {
        int start = pos;
        while (pos < text.length() && SPECIAL.indexOf(text.charAt(pos)) < 0) {
            char c = text.charAt(pos);
            if (Character.isISOControl(c)) {
                throw error("has a control character at character " + (pos + 1));
            }
            pos++;
        }
        if (pos == start) {
            throw error("expected " + what + " at character " + (start + 1));
        }
        return text.substring(start, pos);
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected \"" + c + "\" at character " + (pos + 1));
        }
        pos++;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private IllegalArgumentException error(String reason) {
        return new IllegalArgumentException("selection " + FeedParseException.quote(text) + " " + reason);
    }
}
