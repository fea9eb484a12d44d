package dev.pinhole.dns.message;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * An RFC 8914 Extended DNS Error: an info-code and its text, carried as EDNS option 15. One place encodes it (the
 * resolver explaining a refusal) and decodes it (the lookup record saying why), so the two cannot disagree.
 */
public record ExtendedError(int infoCode, String text) {
    /** The EDNS option code of an extended error. */
    public static final int OPTION_CODE = 15;
    /** Info-code 0: other; the text says what. */
    public static final int OTHER = 0;
    /** Info-code 15: blocked by the resolver's policy. */
    public static final int BLOCKED = 15;

    public ExtendedError {
        DnsRecord.checkU16("infoCode", infoCode);
    }

    /** The option as EDNS option bytes: code, length, info-code, UTF-8 text. */
    public byte[] toOption() {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        if (t.length > 0xffff - 2) {
            throw new IllegalArgumentException("extended error text of " + t.length + " octets");
        }
        return ByteBuffer.allocate(6 + t.length).putShort((short) OPTION_CODE).putShort((short) (2 + t.length))
                .putShort((short) infoCode).put(t).array();
    }

    /**
     * The first extended error among {@code edns}'s options; empty when there is none or the options are cut short
     * (an option whose length runs past the end is not read).
     */
    public static Optional<ExtendedError> of(Edns edns) {
        ByteBuffer o = ByteBuffer.wrap(edns.options());
        while (o.remaining() >= 4) {
            int code = o.getShort() & 0xFFFF;
            int length = o.getShort() & 0xFFFF;
            if (length > o.remaining()) {
                return Optional.empty();
            }
            if (code == OPTION_CODE && length >= 2) {
                int info = o.getShort() & 0xFFFF;
                byte[] text = new byte[length - 2];
                o.get(text);
                return Optional.of(new ExtendedError(info, new String(text, StandardCharsets.UTF_8)));
            }
            o.position(o.position() + length);
        }
        return Optional.empty();
    }

    /** The extended error of {@code message}, if it speaks EDNS and carries one. */
    public static Optional<ExtendedError> of(DnsMessage message) {
        return message.edns().flatMap(ExtendedError::of);
    }
}
