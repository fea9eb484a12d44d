package dev.pinhole.netstack.packet;

/** TCP option kinds and their fixed lengths (RFC 9293, RFC 7323, RFC 2018). */
public final class TcpOptionKind {
    public static final int END = 0;
    public static final int NOP = 1;
    public static final int MSS = 2;
    public static final int MSS_LENGTH = 4;
    public static final int WINDOW_SCALE = 3;
    public static final int WINDOW_SCALE_LENGTH = 3;
    public static final int SACK_PERMITTED = 4;
    public static final int SACK_PERMITTED_LENGTH = 2;
    public static final int SACK = 5;
    public static final int TIMESTAMPS = 8;
    public static final int TIMESTAMPS_LENGTH = 10;
    /** RFC 7323 section 2.3: shifts above 14 are treated as 14. */
    public static final int MAX_WINDOW_SHIFT = 14;

    private TcpOptionKind() {
    }
}
