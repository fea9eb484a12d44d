package dev.pinhole.netstack.packet;

/**
 * A packet failed validation; carries the counted {@link PacketDropReason}. One shared instance per reason, without
 * a stack trace, so a flood of garbage does not allocate.
 */
public final class MalformedPacketException extends Exception {
    private static final long serialVersionUID = 1L;
    private static final MalformedPacketException[] BY_REASON =
            new MalformedPacketException[PacketDropReason.values().length];

    static {
        for (PacketDropReason r : PacketDropReason.values()) {
            BY_REASON[r.ordinal()] = new MalformedPacketException(r);
        }
    }

    private final transient PacketDropReason reason;

    private MalformedPacketException(PacketDropReason reason) {
        super(reason.name(), null, false, false);
        this.reason = reason;
    }

    /** The shared exception for a reason. */
    public static MalformedPacketException of(PacketDropReason reason) {
        return BY_REASON[reason.ordinal()];
    }

    public PacketDropReason reason() {
        return reason;
    }
}
