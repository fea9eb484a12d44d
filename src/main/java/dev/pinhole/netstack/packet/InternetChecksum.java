package dev.pinhole.netstack.packet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/** The RFC 1071 Internet checksum: a ones'-complement sum of 16-bit words, with partial sums that compose. */
public final class InternetChecksum {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private InternetChecksum() {
    }

    /**
     * Adds {@code length} bytes at absolute {@code offset} to a running sum. The sum is kept unfolded in a long so
     * that callers may chain pieces; an odd trailing byte is padded with zero as the RFC says, so only the last
     * piece of a message may have an odd length.
     */
    public static long add(long sum, ByteBuffer buf, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, buf.limit());
        int i = offset;
        int end = offset + length;
        if (buf.hasArray() && length >= 32) {
            // The hot path (a full-size segment per packet): plain little-endian loads from the array, two
            // accumulators. RFC 1071 2(B): the sum is byte-order independent, so summing byte-swapped words and
            // swapping the folded result gives the big-endian sum.
            byte[] a = buf.array();
            int j = buf.arrayOffset() + i;
            long s0 = 0;
            long s1 = 0;
            while (end - i >= 16) {
                long v = (long) LONG_LE.get(a, j);
                long w = (long) LONG_LE.get(a, j + 8);
                s0 += (v >>> 32) + (v & 0xFFFFFFFFL);
                s1 += (w >>> 32) + (w & 0xFFFFFFFFL);
                i += 16;
                j += 16;
            }
            long swapped = fold(s0 + s1);
            sum += ((swapped & 0xFF) << 8) | (swapped >>> 8);
        }
        // RFC 1071 2(C): summing 32-bit words and folding at the end gives the same 16-bit result. A long holds
        // 2^31 such additions without overflow, far beyond any packet.
        while (end - i >= 8) {
            long v = buf.getLong(i);
            sum += (v >>> 32) + (v & 0xFFFFFFFFL);
            i += 8;
        }
        while (end - i >= 2) {
            sum += buf.getShort(i) & 0xFFFF;
            i += 2;
        }
        if (i < end) {
            sum += (buf.get(i) & 0xFF) << 8;
        }
        return sum;
    }

    /** Adds the bytes of an array (an address in a pseudo-header). */
    public static long add(long sum, byte[] bytes) {
        for (int i = 0; i + 1 < bytes.length; i += 2) {
            sum += ((bytes[i] & 0xFF) << 8) | (bytes[i + 1] & 0xFF);
        }
        if ((bytes.length & 1) != 0) {
            sum += (bytes[bytes.length - 1] & 0xFF) << 8;
        }
        return sum;
    }

    private static long fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return sum;
    }

    /** Folds a running sum into 16 bits and complements it: the value to store in a checksum field. */
    public static int finish(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    /** The checksum of one contiguous range. */
    public static int compute(ByteBuffer buf, int offset, int length) {
        return finish(add(0, buf, offset, length));
    }

    /** True when a range that contains its own checksum field sums to zero, i.e. verifies. */
    public static boolean verifies(long sumIncludingChecksumField) {
        return finish(sumIncludingChecksumField) == 0;
    }
}
