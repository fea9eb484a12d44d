package dev.pinhole.dns.message;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The EDNS0 OPT pseudo-record (RFC 6891): advertised UDP payload size, upper bits of the response code,
 * version, flags (DO is the top bit) and the raw option bytes.
 */
public record Edns(int udpPayloadSize, int extendedRcode, int version, int flags, byte[] options) {
    /** RFC 6891 6.2.5: sizes below 512 are treated as 512. */
    public static final int MIN_PAYLOAD = 512;
    /** DNS flag day 2020 recommendation: avoids IP fragmentation on common paths. */
    public static final int DEFAULT_PAYLOAD = 1232;
    public static final int FLAG_DO = 0x8000;

    public Edns {
        DnsRecord.checkU16("udpPayloadSize", udpPayloadSize);
        DnsRecord.checkU16("flags", flags);
        if (extendedRcode < 0 || extendedRcode > 0xff || version < 0 || version > 0xff) {
            throw new IllegalArgumentException("extendedRcode/version out of range 0..255");
        }
        Objects.requireNonNull(options, "options");
        if (options.length > 0xffff) {
            throw new IllegalArgumentException("options of " + options.length + " octets (max 65535)");
        }
        options = options.clone();
    }

    /** A plain EDNS0 record advertising {@code payload} octets, no options. */
    public static Edns of(int payload) {
        return new Edns(payload, 0, 0, 0, new byte[0]);
    }

    /** The payload size a responder may use: at least 512 (RFC 6891 6.2.5). */
    public int effectivePayloadSize() {
        return Math.max(MIN_PAYLOAD, udpPayloadSize);
    }

    @Override
    public byte[] options() {
        return options.clone();
    }

    int optionsLength() {
        return options.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Edns e && udpPayloadSize == e.udpPayloadSize && extendedRcode == e.extendedRcode
                && version == e.version && flags == e.flags && Arrays.equals(options, e.options);
    }

    @Override
    public int hashCode() {
        return Objects.hash(udpPayloadSize, extendedRcode, version, flags, Arrays.hashCode(options));
    }

    @Override
    public String toString() {
        return "Edns[payload=" + udpPayloadSize + ", extRcode=" + extendedRcode + ", version=" + version
                + ", flags=0x" + Integer.toHexString(flags) + ", options=" + HexFormat.of().formatHex(options) + "]";
    }
}
