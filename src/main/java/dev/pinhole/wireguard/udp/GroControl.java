package dev.pinhole.wireguard.udp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Reads the segment size out of the control data the kernel attaches to a received message when UDP receive offload
 * ({@code UDP_GRO}) coalesced a run of one sender's datagrams into it. The bytes come from the kernel, but they are
 * parsed as if they could be anything: the walk never reads past the length given and stops at the first header
 * that does not fit.
 */
final class GroControl {
    static final int SOL_UDP = 17;
    static final int UDP_GRO = 104;
    /** A {@code struct cmsghdr} header on LP64 (x86-64, aarch64): {@code size_t cmsg_len; int level; int type}. */
    static final int HEADER = 16;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private GroControl() {}

    /**
     * The segment size in the first {@code UDP_GRO} control message among {@code c[0, len)}, or 0 when there is
     * none. Walks the chain as {@code CMSG_NXTHDR} does (each message padded to 8 bytes); a header shorter than
     * itself or longer than what is left ends the walk. The value is read as 16 bits, as wireguard-go does: the
     * kernel's {@code gso_size} is at most 65,535 and little-endian whether it writes it as an int or a u16.
     */
    static int segmentSize(byte[] c, int len) {
        int end = Math.min(len, c.length);
        int off = 0;
        while (off >= 0 && off + HEADER <= end) {
            long cmsgLen = (long) LONG.get(c, off);
            if (cmsgLen < HEADER || cmsgLen > end - off) {
                return 0;
            }
            int level = (int) INT.get(c, off + 8);
            int type = (int) INT.get(c, off + 12);
            if (level == SOL_UDP && type == UDP_GRO && cmsgLen >= HEADER + 2) {
                return (c[off + HEADER] & 0xff) | (c[off + HEADER + 1] & 0xff) << 8;
            }
            off += (int) ((cmsgLen + 7) & ~7L);
        }
        return 0;
    }
}
