package dev.pinhole.dns.message;

/** A DNS message that cannot be decoded (or encoded), with the precise reason and byte offset. */
public final class DnsFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why a message was rejected; metrics label drops with these. */
    public enum Reason {
        TRUNCATED,
        LABEL_TOO_LONG,
        NAME_TOO_LONG,
        RESERVED_LABEL_TYPE,
        POINTER_OUT_OF_RANGE,
        POINTER_LOOP,
        TOO_MANY_POINTERS,
        RDATA_LENGTH_MISMATCH,
        MISPLACED_OPT,
        DUPLICATE_OPT,
        TRAILING_BYTES,
        MESSAGE_TOO_LARGE,
        INVALID_NAME
    }

    private final Reason reason;
    private final int offset;

    public DnsFormatException(Reason reason, int offset, String detail) {
        super(reason + (offset >= 0 ? " at offset " + offset : "") + ": " + detail);
        this.reason = reason;
        this.offset = offset;
    }

    public Reason reason() {
        return reason;
    }

    /** Byte offset in the message where the problem was found, or -1 when not tied to a position. */
    public int offset() {
        return offset;
    }
}
