package dev.pinhole.dns.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A domain name as a sequence of labels. Labels are kept byte-exact (one char per byte, ISO-8859-1) so the
 * original case survives a round trip; equality and {@link #key()} are ASCII case-insensitive, as in DNS.
 */
public final class DnsName {
    /** RFC 1035 2.3.4: 63 octets per label. */
    public static final int MAX_LABEL_LENGTH = 63;
    /** RFC 1035 2.3.4: 255 octets per name in wire form, length bytes and the root byte included. */
    public static final int MAX_WIRE_LENGTH = 255;

    private static final DnsName ROOT = new DnsName(new String[0]);

    private final String[] labels;
    private final String key;

    private DnsName(String[] labels) {
        this.labels = labels;
        this.key = buildKey(labels);
    }

    /** The root name ("."). */
    public static DnsName root() {
        return ROOT;
    }

    /**
     * Parses a presentation-form name ("api.github.com" or "api.github.com."). No escapes: names with dots
     * or control bytes inside labels only come off the wire.
     *
     * @throws IllegalArgumentException naming the value when a label is empty or a limit is exceeded
     */
    public static DnsName of(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty domain name");
        }
        if (text.equals(".")) {
            return ROOT;
        }
        String body = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
        String[] parts = body.split("\\.", -1);
        List<String> labels = new ArrayList<>(parts.length);
        for (String part : parts) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException("domain name '" + text + "' has an empty label");
            }
            byte[] bytes = part.getBytes(StandardCharsets.ISO_8859_1);
            if (!new String(bytes, StandardCharsets.ISO_8859_1).equals(part)) {
                throw new IllegalArgumentException("domain name '" + text + "' has non-Latin-1 characters");
            }
            labels.add(part);
        }
        try {
            return fromLabels(labels);
        } catch (DnsFormatException e) {
            throw new IllegalArgumentException("domain name '" + text + "': " + e.getMessage(), e);
        }
    }

    /** Builds a name from raw labels (each a byte string as ISO-8859-1 chars), checking RFC 1035 limits. */
    static DnsName fromLabels(List<String> labels) throws DnsFormatException {
        int wire = 1;
        for (String label : labels) {
            if (label.isEmpty() || label.length() > MAX_LABEL_LENGTH) {
                throw new DnsFormatException(DnsFormatException.Reason.LABEL_TOO_LONG, -1,
                        "label of " + label.length() + " octets (1.." + MAX_LABEL_LENGTH + ")");
            }
            wire += 1 + label.length();
        }
        if (wire > MAX_WIRE_LENGTH) {
            throw new DnsFormatException(DnsFormatException.Reason.NAME_TOO_LONG, -1,
                    "name of " + wire + " octets (max " + MAX_WIRE_LENGTH + ")");
        }
        return labels.isEmpty() ? ROOT : new DnsName(labels.toArray(new String[0]));
    }

    /** For the decoder, which has already enforced the label and name limits. */
    static DnsName fromLabelsUnchecked(List<String> labels) {
        return labels.isEmpty() ? ROOT : new DnsName(labels.toArray(new String[0]));
    }

    public int labelCount() {
        return labels.length;
    }

    /** Label {@code i}, 0 being the leftmost; a byte string as ISO-8859-1 chars. */
    public String label(int i) {
        return labels[i];
    }

    public boolean isRoot() {
        return labels.length == 0;
    }

    /** The name without its leftmost label; the root's parent is the root. */
    public DnsName parent() {
        return labels.length == 0 ? ROOT : new DnsName(Arrays.copyOfRange(labels, 1, labels.length));
    }

    /** The suffix made of the last {@code count} labels. */
    DnsName suffix(int count) {
        return new DnsName(Arrays.copyOfRange(labels, labels.length - count, labels.length));
    }

    /** Octets this name takes in uncompressed wire form. */
    public int wireLength() {
        int n = 1;
        for (String l : labels) {
            n += 1 + l.length();
        }
        return n;
    }

    /** Lower-case dotted form without the final dot ("" for the root): a map key with DNS equality. */
    public String key() {
        return key;
    }

    private static String buildKey(String[] labels) {
        StringBuilder sb = new StringBuilder();
        for (String l : labels) {
            if (sb.length() > 0) {
                sb.append('.');
            }
            for (int i = 0; i < l.length(); i++) {
                char c = l.charAt(i);
                if (c >= 'A' && c <= 'Z') {
                    sb.append((char) (c + 32));
                } else if (c == '.' || c == '\\') {
                    sb.append('\\').append(c);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DnsName other && key.equals(other.key);
    }

    @Override
    public int hashCode() {
        return key.hashCode();
    }

    /** Presentation form with the final dot; dots, backslashes and non-printable bytes escaped. */
    @Override
    public String toString() {
        if (labels.length == 0) {
            return ".";
        }
        StringBuilder sb = new StringBuilder();
        for (String l : labels) {
            for (int i = 0; i < l.length(); i++) {
                char c = l.charAt(i);
                if (c == '.' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c <= 0x20 || c >= 0x7f) {
                    sb.append('\\').append(String.format("%03d", (int) c));
                } else {
                    sb.append(c);
                }
            }
            sb.append('.');
        }
        return sb.toString();
    }
}
