package dev.pinhole.dns.message;

/** Record type and class numbers used by this package (RFC 1035, RFC 3596, RFC 6891, RFC 9460). */
public final class DnsType {
    public static final int A = 1;
    public static final int NS = 2;
    public static final int MD = 3;
    public static final int MF = 4;
    public static final int CNAME = 5;
    public static final int SOA = 6;
    public static final int MB = 7;
    public static final int MG = 8;
    public static final int MR = 9;
    public static final int PTR = 12;
    public static final int MINFO = 14;
    public static final int MX = 15;
    public static final int TXT = 16;
    public static final int AAAA = 28;
    public static final int OPT = 41;
    public static final int SVCB = 64;
    public static final int HTTPS = 65;
    public static final int ANY = 255;

    public static final int CLASS_IN = 1;

    private DnsType() {
    }

    /** Mnemonic for logs ("A", "AAAA", "TYPE99"). */
    public static String name(int type) {
        return switch (type) {
            case A -> "A";
            case NS -> "NS";
            case CNAME -> "CNAME";
            case SOA -> "SOA";
            case PTR -> "PTR";
            case MX -> "MX";
            case TXT -> "TXT";
            case AAAA -> "AAAA";
            case OPT -> "OPT";
            case SVCB -> "SVCB";
            case HTTPS -> "HTTPS";
            case ANY -> "ANY";
            default -> "TYPE" + type;
        };
    }
}
