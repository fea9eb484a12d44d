package dev.pinhole.connector.records;

import java.util.List;

/**
 * Builds one JSON object on one line into a reused {@link StringBuilder}: fields in the order written, strings
 * escaped (RFC 8259: quote, backslash and every C0 control character; also DEL, the C1 controls U+0080..U+009F, which
 * a terminal may act on (CSI), and U+2028/U+2029, line breaks to JavaScript and some log viewers), so a name a client
 * chose cannot break the line, forge a field or drive the terminal of whoever reads it; null values left out. The writer thread's only; not thread-safe.
 */
public final class JsonLine {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private final StringBuilder out;
    private boolean first = true;

    public JsonLine(StringBuilder out) {
        this.out = out;
    }

    /** Opens the object. */
    public JsonLine begin() {
        out.append('{');
        first = true;
        return this;
    }

    /** Closes the object and ends the line. */
    public void end() {
        out.append("}\n");
    }

    /** A string field; left out when {@code value} is null. */
    public JsonLine field(String name, String value) {
        if (value != null) {
            name(name);
            string(value);
        }
        return this;
    }

    public JsonLine field(String name, long value) {
        name(name);
        out.append(value);
        return this;
    }

    public JsonLine field(String name, boolean value) {
        name(name);
        out.append(value);
        return this;
    }

    /** An array of strings; left out when {@code values} is null. */
    public JsonLine field(String name, List<String> values) {
        if (values != null) {
            name(name);
            out.append('[');
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                string(values.get(i));
            }
            out.append(']');
        }
        return this;
    }

    /** Opens a nested object field; close it with {@link #close()}. */
    public JsonLine object(String name) {
        name(name);
        out.append('{');
        first = true;
        return this;
    }

    public JsonLine close() {
        out.append('}');
        first = false;
        return this;
    }

    private void name(String name) {
        if (!first) {
            out.append(',');
        }
        first = false;
        string(name);
        out.append(':');
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c >= 0x7F && c <= 0x9F || c == 0x2028 || c == 0x2029 || Character.isSurrogate(c)
                            && !validSurrogate(s, i)) {
                        out.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF])
                                .append(HEX[c >> 4 & 0xF]).append(HEX[c & 0xF]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** True when the surrogate at {@code i} is half of a well-formed pair (a lone half would not encode as UTF-8). */
    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
