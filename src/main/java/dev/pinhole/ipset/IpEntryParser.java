package dev.pinhole.ipset;

/**
 * Parses user entries textually: an address ("203.0.113.10", "2001:db8::1", "::ffff:192.0.2.1"), a CIDR
 * ("198.51.100.0/28") or an inclusive range ("192.0.2.10-192.0.2.20"). Never resolves names (no
 * {@code InetAddress.getByName}), rejects IPv4 octets with leading zeros (ambiguous octal), IPv6 zone ids,
 * CIDRs with host bits set and mixed-family ranges. Surrounding whitespace is ignored. Every failure is an
 * {@link IpEntryFormatException} naming the entry.
 */
public final class IpEntryParser {
    /** Longer than any valid entry (two full IPv6 addresses with embedded IPv4 and a dash). */
    static final int MAX_ENTRY_LENGTH = 100;

    private IpEntryParser() {}

    /** Parses an address, CIDR or range into the inclusive range it denotes. */
    public static AddressRange parseEntry(String entry) {
        String text = strip(entry);
        int dash = text.indexOf('-');
        if (dash >= 0) {
            return parseRange(entry, text, dash);
        }
        if (text.indexOf('/') >= 0) {
            return cidr(entry, text).toRange();
        }
        return AddressRange.of(address(entry, text, ""));
    }

    /** Parses one address; CIDRs and ranges are rejected. */
    public static IpAddress parseAddress(String text) {
        String stripped = strip(text);
        if (stripped.indexOf('/') >= 0 || stripped.indexOf('-') >= 0) {
            throw new IpEntryFormatException(text, "expected a single address, not a CIDR or range");
        }
        return address(text, stripped, "");
    }

    /** Parses "address/prefix" (host bits must be clear). */
    public static Cidr parseCidr(String text) {
        String stripped = strip(text);
        if (stripped.indexOf('/') < 0) {
            throw new IpEntryFormatException(text, "expected a CIDR like 198.51.100.0/24, missing \"/\"");
        }
        if (stripped.indexOf('-') >= 0) {
            throw new IpEntryFormatException(text, "expected a CIDR, not a range");
        }
        return cidr(text, stripped);
    }

    private static String strip(String entry) {
        if (entry == null) {
            throw new IpEntryFormatException(null, "missing entry");
        }
        if (entry.length() > MAX_ENTRY_LENGTH) {
            throw new IpEntryFormatException(entry, "longer than " + MAX_ENTRY_LENGTH + " characters");
        }
        int from = 0;
        int to = entry.length();
        while (from < to && isSpace(entry.charAt(from))) {
            from++;
        }
        while (to > from && isSpace(entry.charAt(to - 1))) {
            to--;
        }
        if (from == to) {
            throw new IpEntryFormatException(entry, "empty entry");
        }
        String text = entry.substring(from, to);
        for (int i = 0; i < text.length(); i++) {
            if (isSpace(text.charAt(i))) {
                throw new IpEntryFormatException(entry, "contains whitespace");
            }
        }
        return text;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    private static AddressRange parseRange(String entry, String text, int dash) {
        if (text.indexOf('-', dash + 1) >= 0) {
            throw new IpEntryFormatException(entry, "a range has exactly one \"-\"");
        }
        if (text.indexOf('/') >= 0) {
            throw new IpEntryFormatException(entry, "range bounds must be addresses, not CIDRs");
        }
        String startText = text.substring(0, dash);
        String endText = text.substring(dash + 1);
        if (startText.isEmpty()) {
            throw new IpEntryFormatException(entry, "range is missing its start address");
        }
        if (endText.isEmpty()) {
            throw new IpEntryFormatException(entry, "range is missing its end address");
        }
        IpAddress start = address(entry, startText, "range start");
        IpAddress end = address(entry, endText, "range end");
        if (start.family() != end.family()) {
            throw new IpEntryFormatException(entry, "mixed families in range (" + start.family().displayName()
                    + " start, " + end.family().displayName() + " end)");
        }
        if (start.compareTo(end) > 0) {
            throw new IpEntryFormatException(entry, "range start is after its end");
        }
        return new AddressRange(start, end);
    }

    private static Cidr cidr(String entry, String text) {
        int slash = text.indexOf('/');
        if (text.indexOf('/', slash + 1) >= 0) {
            throw new IpEntryFormatException(entry, "a CIDR has exactly one \"/\"");
        }
        String addressText = text.substring(0, slash);
        String prefixText = text.substring(slash + 1);
        if (addressText.isEmpty()) {
            throw new IpEntryFormatException(entry, "CIDR is missing its address");
        }
        IpAddress address = address(entry, addressText, "CIDR address");
        int bits = address.family().bits();
        int prefix = prefixLength(entry, prefixText, bits);
        Cidr enclosing = Cidr.containing(address, prefix);
        if (!enclosing.network().equals(address)) {
            throw new IpEntryFormatException(entry, "host bits set (did you mean " + enclosing + "?)");
        }
        return enclosing;
    }

    private static int prefixLength(String entry, String text, int bits) {
        if (text.isEmpty()) {
            throw new IpEntryFormatException(entry, "CIDR is missing its prefix length after \"/\"");
        }
        if (text.length() > 3 || !allAsciiDigits(text)) {
            throw new IpEntryFormatException(entry, "prefix length \"" + text + "\" is not a number from 0 to "
                    + bits);
        }
        if (text.length() > 1 && text.charAt(0) == '0') {
            throw new IpEntryFormatException(entry, "prefix length \"" + text + "\" has a leading zero");
        }
        int prefix = Integer.parseInt(text);
        if (prefix > bits) {
            throw new IpEntryFormatException(entry, "prefix length " + prefix + " exceeds " + bits);
        }
        return prefix;
    }

    private static IpAddress address(String entry, String text, String role) {
        if (text.indexOf('%') >= 0) {
            throw new IpEntryFormatException(entry, "zone ids (\"%\") are not allowed");
        }
        if (text.indexOf(':') >= 0) {
            return ipv6(entry, text, role);
        }
        if (hasAsciiLetter(text)) {
            throw new IpEntryFormatException(entry, at(role)
                    + "looks like a host name; use IP addresses, CIDRs or ranges (names are not resolved)");
        }
        if (text.indexOf('.') >= 0) {
            return IpAddress.ofIpv4(ipv4(entry, text, 0, text.length(), role));
        }
        throw new IpEntryFormatException(entry, role.isEmpty()
                ? "not an IP address, CIDR or range"
                : role + " \"" + text + "\" is not an IP address");
    }

    /** Parses text[from, to) as a dotted quad of decimal octets without leading zeros. */
    private static int ipv4(String entry, String text, int from, int to, String role) {
        int value = 0;
        int octets = 0;
        int pos = from;
        while (true) {
            int end = pos;
            while (end < to && text.charAt(end) != '.') {
                end++;
            }
            String octet = text.substring(pos, end);
            if (octet.isEmpty()) {
                throw new IpEntryFormatException(entry, at(role) + "IPv4 address has an empty octet");
            }
            if (octet.length() > 3 || !allAsciiDigits(octet)) {
                throw new IpEntryFormatException(entry, at(role) + "IPv4 octet \"" + octet + "\" is not a number"
                        + " from 0 to 255");
            }
            if (octet.length() > 1 && octet.charAt(0) == '0') {
                throw new IpEntryFormatException(entry, at(role) + "IPv4 octet \"" + octet
                        + "\" has a leading zero (ambiguous octal)");
            }
            int n = Integer.parseInt(octet);
            if (n > 255) {
                throw new IpEntryFormatException(entry, at(role) + "IPv4 octet " + n + " exceeds 255");
            }
            if (++octets > 4) {
                throw new IpEntryFormatException(entry, at(role) + "IPv4 address has more than 4 octets");
            }
            value = (value << 8) | n;
            if (end == to) {
                break;
            }
            pos = end + 1;
        }
        if (octets != 4) {
            throw new IpEntryFormatException(entry, at(role) + "IPv4 address has " + octets + " octets, not 4");
        }
        return value;
    }

    private static IpAddress ipv6(String entry, String text, String role) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            throw new IpEntryFormatException(entry, at(role) + "IPv6 address has more than one \"::\"");
        }
        int[] groups = new int[8];
        int headCount;
        int tailCount = 0;
        int[] tail = new int[8];
        if (gap < 0) {
            headCount = groups(entry, text, 0, text.length(), true, groups, role);
            if (headCount != 8) {
                throw new IpEntryFormatException(entry, at(role) + "IPv6 address has " + headCount
                        + " groups, not 8 (use \"::\" for zeros)");
            }
        } else {
            headCount = groups(entry, text, 0, gap, false, groups, role);
            tailCount = groups(entry, text, gap + 2, text.length(), true, tail, role);
            if (headCount + tailCount > 7) {
                throw new IpEntryFormatException(entry, at(role) + "IPv6 address has too many groups around \"::\"");
            }
            System.arraycopy(tail, 0, groups, 8 - tailCount, tailCount);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = (hi << 16) | groups[i];
            lo = (lo << 16) | groups[4 + i];
        }
        return IpAddress.ofIpv6(hi, lo);
    }

    /**
     * Parses colon-separated hex groups of text[from, to) into out; the last one may be a dotted IPv4 address
     * (two groups) when {@code lastMayBeIpv4}. Returns the number of 16-bit groups written.
     */
    private static int groups(String entry, String text, int from, int to, boolean lastMayBeIpv4, int[] out,
            String role) {
        if (from == to) {
            return 0;
        }
        int count = 0;
        int pos = from;
        while (true) {
            int end = pos;
            while (end < to && text.charAt(end) != ':') {
                end++;
            }
            if (end == pos) {
                throw new IpEntryFormatException(entry, at(role) + "IPv6 address has an empty group");
            }
            boolean last = end == to;
            if (text.indexOf('.', pos) >= 0 && text.indexOf('.', pos) < end) {
                if (!last || !lastMayBeIpv4) {
                    throw new IpEntryFormatException(entry, at(role)
                            + "an embedded IPv4 address must be the last part of an IPv6 address");
                }
                if (count > 6) {
                    throw new IpEntryFormatException(entry, at(role) + "IPv6 address has too many groups");
                }
                int v4 = ipv4(entry, text, pos, end, role);
                out[count++] = v4 >>> 16;
                out[count++] = v4 & 0xFFFF;
                return count;
            }
            if (end - pos > 4) {
                throw new IpEntryFormatException(entry, at(role) + "IPv6 group \"" + text.substring(pos, end)
                        + "\" has more than 4 hex digits");
            }
            int value = 0;
            for (int i = pos; i < end; i++) {
                int digit = hexDigit(text.charAt(i));
                if (digit < 0) {
                    throw new IpEntryFormatException(entry, at(role) + "invalid character "
                            + IpEntryFormatException.quote(String.valueOf(text.charAt(i))) + " in IPv6 address");
                }
                value = (value << 4) | digit;
            }
            if (count == 8) {
                throw new IpEntryFormatException(entry, at(role) + "IPv6 address has more than 8 groups");
            }
            out[count++] = value;
            if (last) {
                return count;
            }
            pos = end + 1;
            if (pos == to) {
                throw new IpEntryFormatException(entry, at(role) + "IPv6 address ends with a single \":\"");
            }
        }
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** Prefix naming which part of a range or CIDR a message is about; empty for a plain address. */
    private static String at(String role) {
        return role.isEmpty() ? "" : role + ": ";
    }

    private static boolean hasAsciiLetter(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = (char) (s.charAt(i) | 0x20);
            if (c >= 'a' && c <= 'z') {
                return true;
            }
        }
        return false;
    }

    private static boolean allAsciiDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
