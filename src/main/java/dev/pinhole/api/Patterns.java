package dev.pinhole.api;

/** Regular expressions and CEL rules shared by the CRD schema annotations. */
public final class Patterns {
    private Patterns() {}

    /** A WireGuard key: 32 bytes in standard base64 (44 characters, one '=' of padding). */
    public static final String WG_KEY = "^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$";

    /**
     * A DNS name or a wildcard "*." followed by a DNS name, optional trailing dot. Written without backslashes so
     * that it can stand inside a CEL string literal as it is.
     */
    public static final String DOMAIN_PATTERN =
            "^([*][.])?([A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9])?[.])*[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?[.]?$";

    /** A Kubernetes object name (DNS-1123 subdomain). */
    public static final String OBJECT_NAME = "^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$";

    /** A client name: usable as a ConfigMap key and a file name. */
    public static final String CLIENT_NAME = "^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

    /**
     * An AppConnector name: a DNS-1035 label of at most 63 characters, because it is also the Service's name (which
     * must start with a letter and has no dots) and the value of the pinhole.dev/connector label (at most 63).
     */
    public static final String CONNECTOR_NAME = "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$";

    /** An http or https URL with a host. */
    public static final String HTTP_URL = "^https?://[^/?#@ ]+([/?#][^ ]*)?$";

    /** CEL: the connector's name fits its Service name and its label value. */
    public static final String CEL_CONNECTOR_NAME = "self.metadata.name.matches('" + CONNECTOR_NAME + "')";

    // CEL: kube-apiserver >= 1.31 has the IP and CIDR libraries (isIP, isCIDR, ip(), cidr()). Rules on list items
    // are written over a variable x and applied with all(); the message names the first offending item.
    static final String CEL_IS_IP = "isIP(x)";
    static final String CEL_IS_DOMAIN = "x.matches('" + DOMAIN_PATTERN + "')";
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

    /** A group or access rule name: a DNS label (RFC 1123), as the connector's config check wants it. */
    public static final String GROUP = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
}
