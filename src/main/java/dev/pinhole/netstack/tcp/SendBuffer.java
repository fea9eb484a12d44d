package dev.pinhole.netstack.tcp;

import dev.pinhole.budget.Allowance;
import java.nio.ByteBuffer;

/** Bytes written by the application and not yet acknowledged by the peer; bounded, the unit of back-pressure. */
final class SendBuffer {
    private final ByteRing ring;
    private int size;

    SendBuffer(int capacity, Allowance budget) {
        this.ring = new ByteRing(capacity, budget);
    }

    int size() {
        return size;
    }

    /** What {@link #offer} takes now: the room left under the capacity and the buffer budget. */
    int free() {
        return Math.max(0, ring.room() - size);
    }

    /** True when the budget, not the capacity, is what leaves no room. */
    boolean budgetBound() {
        return ring.room() < ring.limit() && free() == 0;
    }

    int allocated() {
        return ring.allocated();
    }

    /** Takes as many bytes from {@code src} as fit, advancing its position; returns how many. */
    int offer(ByteBuffer src) {
        int n = Math.min(src.remaining(), free());
        if (n > 0) {
            ring.put(size, src, src.position(), n);
            src.position(src.position() + n);
            size += n;
        }
        return n;
    }

    /** Copies {@code len} bytes starting {@code offset} bytes after the oldest unacknowledged one. */
    void copyTo(int offset, ByteBuffer dst, int dstIndex, int len) {
        ring.get(offset, dst, dstIndex, len);
    }

    /** Forgets the {@code n} oldest bytes, now acknowledged. */
    void discard(int n) {
        ring.skip(n);
        size -= n;
        if (size == 0) {
            ring.free();
        }
    }

    /** The endpoint is gone: the memory goes back to the budget. */
    void release() {
        size = 0;
        ring.free();
    }
}
