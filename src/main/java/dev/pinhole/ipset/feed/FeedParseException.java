package dev.pinhole.ipset.feed;

/**
 * A feed body that is not what its format expects. Names the source, the field (a JSON path such as
 * {@code /prefixes/12/ip_prefix} or {@code line 7}) and what was expected; the message is safe for a status
 * condition (values quoted with control characters escaped and cut short), never a stack trace.
 */
public final class FeedParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final int MAX_QUOTED_CHARS = 80;

    private final String source;
    private final String field;
    private final String expected;

    public FeedParseException(String source, String field, String expected) {
        this(source, clean(field), clean(expected), true);
    }

    private FeedParseException(String source, String field, String expected, boolean cleaned) {
        super(quote(source) + ": " + field + ": " + expected, null, false, false);
        this.source = source;
        this.field = field;
        this.expected = expected;
    }

    /** The source's name, e.g. "github/actions" or the URL. */
    public String source() {
        return source;
    }

    /** Where in the body: a JSON path, "line N" or "body". */
    public String field() {
        return field;
    }

    /** What was expected there (and what was found, quoted). */
    public String expected() {
        return expected;
    }

    /** Escapes control characters and cuts at 240 characters (plus "..."): parts may come from the body. */
    static String clean(String text) {
        return text == null ? "null" : escape(text, 240, false);
    }

    /** Quotes untrusted text for a message: control characters escaped, cut at 80 characters. */
    static String quote(String value) {
        return value == null ? "null" : '"' + escape(value, MAX_QUOTED_CHARS, true) + '"';
    }

    /** Escapes and cuts so that the result (not the input) holds at most {@code maxChars} characters. */
    private static String escape(String value, int maxChars, boolean escapeQuotes) {
        StringBuilder sb = new StringBuilder(Math.min(value.length(), maxChars) + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            String piece;
            if (escapeQuotes && (c == '"' || c == '\\')) {
                piece = "\\" + c;
            } else if (Character.isISOControl(c) || Character.isSurrogate(c) || c == '\u2028' || c == '\u2029') {
                piece = String.format("\\u%04x", (int) c);
            } else {
                piece = String.valueOf(c);
            }
            if (sb.length() + piece.length() > maxChars) {
                return sb.append("...").toString();
            }
            sb.append(piece);
        }
        return sb.toString();
    }
}
