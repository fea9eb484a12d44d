package dev.pinhole.dns.match;

import dev.pinhole.dns.message.DnsName;
import java.net.IDN;
import java.util.Locale;

/**
 * One entry of an AppConnector's {@code domains}: {@code example.com} matches that name only;
 * {@code *.example.com} matches every name below it but not the apex. Stored normalized: lower case, ASCII
 * (IDNs converted to punycode), no final dot.
 */
public record DomainPattern(Kind kind, String suffix) {

    /** Whether the pattern names one host or the subtree below a domain. */
    public enum Kind {
        EXACT,
        SUBDOMAINS
    }

    private static final int MAX_NAME_LENGTH = 253;

    public DomainPattern {
        if (kind == null || suffix == null || suffix.isEmpty()) {
            throw new IllegalArgumentException("kind and suffix are required");
        }
    }

    /**
     * Parses and validates a user-supplied pattern.
     *
     * @throws IllegalArgumentException with a message naming the value and what is wrong with it
     */
    public static DomainPattern parse(String value) {
        if (value == null) {
            throw new IllegalArgumentException("domain pattern is null");
        }
        String text = value.strip();
        if (text.isEmpty()) {
            throw new IllegalArgumentException("domain pattern '" + value + "' is empty");
        }
        Kind kind = Kind.EXACT;
        if (text.startsWith("*.")) {
            kind = Kind.SUBDOMAINS;
            text = text.substring(2);
        }
        if (text.endsWith(".")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isEmpty() || text.equals("*")) {
            throw new IllegalArgumentException("domain pattern '" + value
                    + "' would match every name; list the domains the connector serves");
        }
        if (text.contains("*")) {
            throw new IllegalArgumentException("domain pattern '" + value
                    + "': '*' is only allowed as the whole first label, as in '*.example.com'");
        }
        String ascii;
        try {
            ascii = IDN.toASCII(text, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("domain pattern '" + value + "' is not a valid domain name: "
                    + e.getMessage(), e);
        }
        if (ascii.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("domain pattern '" + value + "' is " + ascii.length()
                    + " characters long (max " + MAX_NAME_LENGTH + ")");
        }
        String[] labels = ascii.split("\\.", -1);
        for (String label : labels) {
            checkLabel(value, label);
        }
        if (labels.length == 1 && kind == Kind.SUBDOMAINS) {
            throw new IllegalArgumentException("domain pattern '" + value
                    + "' covers a whole top-level domain; name a registered domain below it");
        }
        return new DomainPattern(kind, ascii);
    }

    private static void checkLabel(String value, String label) {
        if (label.isEmpty()) {
            throw new IllegalArgumentException("domain pattern '" + value + "' has an empty label");
        }
        if (label.length() > DnsName.MAX_LABEL_LENGTH) {
            throw new IllegalArgumentException("domain pattern '" + value + "' has a label of " + label.length()
                    + " characters (max " + DnsName.MAX_LABEL_LENGTH + "): '" + label + "'");
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            // Underscore is not a hostname character but appears in real service names (_acme, _dmarc).
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                throw new IllegalArgumentException("domain pattern '" + value + "' has character '" + c
                        + "' in label '" + label + "' (letters, digits, '-' and '_' only)");
            }
        }
        if (label.startsWith("-") || label.endsWith("-")) {
            throw new IllegalArgumentException("domain pattern '" + value + "': label '" + label
                    + "' starts or ends with '-'");
        }
    }

    /** Whether this pattern covers {@code name} (case-insensitive, labels compared as labels). */
    public boolean matches(DnsName name) {
        if (kind == Kind.EXACT) {
            return name.key().equals(suffix);
        }
        for (DnsName up = name.parent(); !up.isRoot(); up = up.parent()) {
            if (up.key().equals(suffix)) {
                return true;
            }
        }
        return false;
    }

    /** The pattern as a user would write it ("*.example.com" or "example.com"). */
    @Override
    public String toString() {
        return kind == Kind.SUBDOMAINS ? "*." + suffix : suffix;
    }
}
