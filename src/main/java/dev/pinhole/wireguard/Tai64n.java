package dev.pinhole.wireguard;

import java.time.Clock;
import java.time.Instant;

/**
 * TAI64N timestamps for handshake initiations: 8 bytes big-endian seconds (2^62 + 10 + Unix seconds) and 4 bytes
 * big-endian nanoseconds. Nanoseconds are rounded down to ~16 ms (as wireguard-go does) so the timestamp does not
 * leak a precise clock.
 */
final class Tai64n {
    private static final long BASE = 0x400000000000000aL;
    private static final int WHITEN_MASK = 0x1000000 - 1;

    private Tai64n() {}

    static byte[] now(Clock clock) {
        Instant t = clock.instant();
        byte[] out = new byte[ProtocolConstants.TAI64N_LEN];
        long secs = BASE + t.getEpochSecond();
        int nanos = t.getNano() & ~WHITEN_MASK;
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (secs >>> (56 - 8 * i));
        }
        for (int i = 0; i < 4; i++) {
            out[8 + i] = (byte) (nanos >>> (24 - 8 * i));
        }
        return out;
    }

    /** True when {@code candidate} is strictly later than {@code previous} (byte-wise big-endian order). */
    static boolean after(byte[] candidate, byte[] previous) {
        return java.util.Arrays.compareUnsigned(candidate, previous) > 0;
    }
}
