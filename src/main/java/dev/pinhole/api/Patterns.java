package dev.pinhole.api;

/** Regular expressions and CEL rules shared by the CRD schema annotations. */
public final class Patterns {
    private Patterns() {}

    /** A WireGuard key: 32 bytes in standard base64 (44 characters, one '=' of padding). */
    public static final String WG_KEY = "^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$";

    /** Characters that can appear in an IPv4/IPv6 address, CIDR or range; the exact check is CEL and the reconciler. */
    public static final String ADDRESS_CHARS = "^[0-9A-Fa-f:./-]+$";

    /** A DNS name or a wildcard "*." followed by a DNS name, optional trailing dot. */
    public static final String DOMAIN_PATTERN =
            "^(\\*\\.)?([A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?\\.?$";

    /** A Kubernetes object name (DNS-1123 subdomain). */
    public static final String OBJECT_NAME = "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$";

    /** A client name: usable as a ConfigMap key and a file name. */
    public static final String CLIENT_NAME = "^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

    // CEL: kube-apiserver >= 1.31 has the IP and CIDR libraries (isIP, isCIDR, ip(), cidr()). Rules on list items
    // are written over a variable x and applied with all(); the message names the first offending item.
    static final String CEL_IS_IP = "isIP(x)";
    static final String CEL_IS_CIDR = "isCIDR(x)";
    /** An address, a CIDR or an IPv4/IPv6 range a-b of one family. */
    static final String CEL_IS_ENTRY = "(x.contains('-') ? (x.split('-').size() == 2 && isIP(x.split('-')[0])"
            + " && isIP(x.split('-')[1]) && ip(x.split('-')[0]).family() == ip(x.split('-')[1]).family())"
            + " : (x.contains('/') ? isCIDR(x) : isIP(x)))";
    /** An IPv4 range a-b must not end before it starts; IPv6 range order is checked by the reconciler. */
    static final String CEL_V4_RANGE_ORDERED = "(!(x.contains('-') && x.split('-').size() == 2"
            + " && x.split('-')[0].matches('^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$')"
            + " && x.split('-')[1].matches('^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$'))"
            + " || int(x.split('-')[0].split('.')[0]) * 16777216 + int(x.split('-')[0].split('.')[1]) * 65536"
            + " + int(x.split('-')[0].split('.')[2]) * 256 + int(x.split('-')[0].split('.')[3])"
            + " <= int(x.split('-')[1].split('.')[0]) * 16777216 + int(x.split('-')[1].split('.')[1]) * 65536"
            + " + int(x.split('-')[1].split('.')[2]) * 256 + int(x.split('-')[1].split('.')[3]))";
}
