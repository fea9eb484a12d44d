package dev.pinhole.netstack.tcp;

import java.nio.ByteBuffer;

/** Bytes written by the application and not yet acknowledged by the peer; bounded, the unit of back-pressure. */
final class SendBuffer {
    private final ByteRing ring;
    private int size;

    SendBuffer(int capacity) {
        this.ring = new ByteRing(capacity);
    }

    int size() {
        return size;
    }

    int free() {
        return ring.limit() - size;
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
    }
}
