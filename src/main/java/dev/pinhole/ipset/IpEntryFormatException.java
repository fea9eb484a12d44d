package dev.pinhole.ipset;

/**
 * A user entry that is not a valid IP address, CIDR or range. Carries the raw value and the reason; the
 * message reads {@code "198.51.100.5/24": host bits set (did you mean 198.51.100.0/24?)}, safe to show in a
 * status condition (control characters escaped, long values shortened).
 */
public final class IpEntryFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private static final int MAX_QUOTED_CHARS = 80;

    private final String value;
    private final String reason;

    public IpEntryFormatException(String value, String reason) {
        super(quote(value) + ": " + reason);
        this.value = value;
        this.reason = reason;
    }

    /** The entry exactly as given (may be null if the caller passed null). */
    public String value() {
        return value;
    }

    /** What is wrong, without the value, e.g. "range start is after its end". */
    public String reason() {
        return reason;
    }

    static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(value.length(), MAX_QUOTED_CHARS) + 8).append('"');
        int limit = Math.min(value.length(), MAX_QUOTED_CHARS);
        for (int i = 0; i < limit; i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7F || Character.isSurrogate(c) || Character.isISOControl(c)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (value.length() > limit) {
            sb.append("...");
        }
        return sb.append('"').toString();
    }
}
