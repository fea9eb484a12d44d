package dev.pinhole.netstack.tcp;

import dev.pinhole.budget.Allowance;
import java.nio.ByteBuffer;

/**
 * Received bytes not yet read by the application, in order, followed by out-of-order bytes at their final place.
 * Its free space is the receive window: a slow reader shrinks the window the peer sees.
 */
final class ReceiveBuffer {
    private final ByteRing ring;
    private final ReassemblyQueue outOfOrder;
    private int readable;

    ReceiveBuffer(int capacity, int maxOutOfOrderRanges, Allowance budget) {
        this.ring = new ByteRing(capacity, budget);
        this.outOfOrder = new ReassemblyQueue(maxOutOfOrderRanges);
    }

    int capacity() {
        return ring.limit();
    }

    int readable() {
        return readable;
    }

    /**
     * Bytes that may still arrive beyond RCV.NXT: the window. The buffer budget bounds it too, so a client over
     * its budget sees its window close (back-pressure) instead of the connector buffering more.
     */
    int free() {
        return Math.max(0, ring.room() - readable);
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

    /** The endpoint is gone: the memory goes back to the budget. */
    void release() {
        readable = 0;
        ring.free();
    }

    /** Moves up to {@code dst.remaining()} readable bytes into {@code dst}; returns how many. */
    int read(ByteBuffer dst) {
        int n = peek(dst);
        skip(n);
        return n;
    }

    /** Copies up to {@code dst.remaining()} readable bytes into {@code dst} and keeps them; returns how many. */
    int peek(ByteBuffer dst) {
        int n = Math.min(readable, dst.remaining());
        if (n > 0) {
            ring.get(0, dst, dst.position(), n);
            dst.position(dst.position() + n);
        }
        return n;
    }

    /** Forgets the {@code n} oldest readable bytes (at most {@link #readable()}). */
    void skip(int n) {
        int k = Math.min(n, readable);
        if (k > 0) {
            ring.skip(k);
            readable -= k;
            if (readable == 0 && outOfOrder.isEmpty()) {
                ring.free();
            }
        }
    }
}
