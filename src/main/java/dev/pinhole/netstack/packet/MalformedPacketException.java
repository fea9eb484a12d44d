package dev.pinhole.netstack.packet;

/**
 * A packet failed validation; carries the counted {@link DropReason}. One shared instance per reason, without a
 * stack trace, so a flood of garbage does not allocate.
 */
public final class MalformedPacketException extends Exception {
    private static final long serialVersionUID = 1L;
    private static final MalformedPacketException[] BY_REASON = new MalformedPacketException[DropReason.values().length];

    static {
        for (DropReason r : DropReason.values()) {
            BY_REASON[r.ordinal()] = new MalformedPacketException(r);
        }
    }

    private final transient DropReason reason;

    private MalformedPacketException(DropReason reason) {
        super(reason.name(), null, false, false);
        this.reason = reason;
    }

    /** The shared exception for a reason. */
    public static MalformedPacketException of(DropReason reason) {
        return BY_REASON[reason.ordinal()];
    }

    public DropReason reason() {
        return reason;
    }
}
