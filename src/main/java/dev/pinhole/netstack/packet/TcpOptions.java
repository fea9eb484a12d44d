package dev.pinhole.netstack.packet;

import java.util.List;

/**
 * The TCP options of one segment, decoded. Absent numeric options are -1. Known options with a wrong length
 * are ignored (as stacks in the wild do); structural damage is rejected by {@link TcpHeader#parse}.
 */
public record TcpOptions(int mss, int windowScale, boolean sackPermitted, boolean hasTimestamps, long timestampValue,
                         long timestampEcho, List<SackBlock> sackBlocks) {
    public static final TcpOptions NONE = new TcpOptions(-1, -1, false, false, 0, 0, List.of());

    /** Decodes the option bytes of a header whose structure {@link TcpHeader#parse} already checked. */
    static TcpOptions decode(TcpHeader h) {
        var buf = h.buffer();
        int at = h.offset() + TcpHeader.MIN_LENGTH;
        int end = h.offset() + h.headerLength();
        int mss = -1;
        int ws = -1;
        boolean sackOk = false;
        boolean ts = false;
        long tsVal = 0;
        long tsEcr = 0;
        List<SackBlock> blocks = List.of();
        while (at < end) {
            int kind = buf.get(at) & 0xFF;
            if (kind == TcpOptionKind.END) {
                break;
            }
            if (kind == TcpOptionKind.NOP) {
                at++;
                continue;
            }
            int len = buf.get(at + 1) & 0xFF;
            switch (kind) {
                case TcpOptionKind.MSS -> {
                    if (len == TcpOptionKind.MSS_LENGTH) {
                        mss = buf.getShort(at + 2) & 0xFFFF;
                    }
                }
                case TcpOptionKind.WINDOW_SCALE -> {
                    if (len == TcpOptionKind.WINDOW_SCALE_LENGTH) {
                        ws = Math.min(buf.get(at + 2) & 0xFF, TcpOptionKind.MAX_WINDOW_SHIFT);
                    }
                }
                case TcpOptionKind.SACK_PERMITTED -> sackOk |= len == TcpOptionKind.SACK_PERMITTED_LENGTH;
                case TcpOptionKind.TIMESTAMPS -> {
                    if (len == TcpOptionKind.TIMESTAMPS_LENGTH) {
                        ts = true;
                        tsVal = buf.getInt(at + 2) & 0xFFFFFFFFL;
                        tsEcr = buf.getInt(at + 6) & 0xFFFFFFFFL;
                    }
                }
                case TcpOptionKind.SACK -> {
                    if (len >= 10 && (len - 2) % 8 == 0) {
                        SackBlock[] b = new SackBlock[(len - 2) / 8];
                        for (int i = 0; i < b.length; i++) {
                            b[i] = new SackBlock(buf.getInt(at + 2 + 8 * i) & 0xFFFFFFFFL,
                                    buf.getInt(at + 6 + 8 * i) & 0xFFFFFFFFL);
                        }
                        blocks = List.of(b);
                    }
                }
                default -> {
                    // Unknown options are skipped by their length.
                }
            }
            at += len;
        }
        return new TcpOptions(mss, ws, sackOk, ts, tsVal, tsEcr, blocks);
    }
}
