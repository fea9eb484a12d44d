package dev.pinhole.ipset;

/** The two IP address families, with their width in bits. */
public enum IpFamily {
    IPV4(32),
    IPV6(128);

    private final int bits;

    IpFamily(int bits) {
        this.bits = bits;
    }

    /** Address width in bits: 32 or 128. */
    public int bits() {
        return bits;
    }

    /** Highest address of the family, high 64 bits. */
    long maxHi() {
        return this == IPV4 ? 0L : -1L;
    }

    /** Highest address of the family, low 64 bits. */
    long maxLo() {
        return this == IPV4 ? 0xFFFF_FFFFL : -1L;
    }

    /** Human name used in messages: "IPv4" or "IPv6". */
    public String displayName() {
        return this == IPV4 ? "IPv4" : "IPv6";
    }
}
