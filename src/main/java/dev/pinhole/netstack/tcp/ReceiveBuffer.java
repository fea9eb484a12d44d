package dev.pinhole.netstack.tcp;

import java.nio.ByteBuffer;

/**
 * Received bytes not yet read by the application, in order, followed by out-of-order bytes at their final place.
 * Its free space is the receive window: a slow reader shrinks the window the peer sees.
 */
final class ReceiveBuffer {
    private final ByteRing ring;
    private final ReassemblyQueue outOfOrder;
    private int readable;

    ReceiveBuffer(int capacity, int maxOutOfOrderRanges) {
        this.ring = new ByteRing(capacity);
        this.outOfOrder = new ReassemblyQueue(maxOutOfOrderRanges);
    }

    int capacity() {
        return ring.limit();
    }

    int readable() {
        return readable;
    }

    /** Bytes that may still arrive beyond RCV.NXT: the window. */
    int free() {
        return ring.limit() - readable;
    }

    int allocated() {
        return ring.allocated();
    }

    boolean hasOutOfOrderData() {
        return !outOfOrder.isEmpty();
    }

    /**
     * Stores {@code len} bytes that start {@code offset} bytes after RCV.NXT; the caller has trimmed them to
     * {@code offset + len <= free()}. Returns how far RCV.NXT advances (0 for out-of-order data), or -1 when
     * out-of-order data had to be discarded because too many holes are tracked.
     */
    int store(int offset, ByteBuffer src, int srcIndex, int len) {
        if (offset == 0) {
            ring.put(readable, src, srcIndex, len);
            int advance = len + outOfOrder.advance(len);
            readable += advance;
            return advance;
        }
        if (!outOfOrder.add(offset, offset + len)) {
            return -1;
        }
        ring.put(readable + offset, src, srcIndex, len);
        return 0;
    }

    /** Moves up to {@code dst.remaining()} readable bytes into {@code dst}; returns how many. */
    int read(ByteBuffer dst) {
        int n = Math.min(readable, dst.remaining());
        if (n > 0) {
            ring.get(0, dst, dst.position(), n);
            dst.position(dst.position() + n);
            ring.skip(n);
            readable -= n;
        }
        return n;
    }
}
