package dev.pinhole.netstack.tcp;

import java.nio.ByteBuffer;

/**
 * A circular byte store addressed by logical offsets from its head, growing on demand up to a fixed limit so that
 * idle flows hold little memory.
 */
final class ByteRing {
    private static final int INITIAL = 4096;
    private final int limit;
    private byte[] bytes;
    private int head;

    ByteRing(int limit) {
        this.limit = limit;
        this.bytes = new byte[Math.min(INITIAL, limit)];
    }

    int limit() {
        return limit;
    }

    /** Bytes currently allocated (for memory accounting). */
    int allocated() {
        return bytes.length;
    }

    /** Makes logical offsets [0, end) addressable; {@code end} must not exceed the limit. */
    void ensure(int end) {
        if (end <= bytes.length) {
            return;
        }
        if (end > limit) {
            throw new IllegalStateException("ring limit " + limit + " exceeded: " + end);
        }
        int newLength = (int) Math.min(limit, Math.max(end, 2L * bytes.length));
        byte[] grown = new byte[newLength];
        int firstPart = bytes.length - head;
        System.arraycopy(bytes, head, grown, 0, firstPart);
        System.arraycopy(bytes, 0, grown, firstPart, head);
        bytes = grown;
        head = 0;
    }

    private int index(int offset) {
        int i = head + offset;
        return i >= bytes.length ? i - bytes.length : i;
    }

    /** Copies {@code len} bytes from {@code src} at absolute {@code srcIndex} to logical {@code offset}. */
    void put(int offset, ByteBuffer src, int srcIndex, int len) {
        ensure(offset + len);
        int at = index(offset);
        int first = Math.min(len, bytes.length - at);
        src.get(srcIndex, bytes, at, first);
        if (first < len) {
            src.get(srcIndex + first, bytes, 0, len - first);
        }
    }

    /** Copies {@code len} bytes at logical {@code offset} into {@code dst} at absolute {@code dstIndex}. */
    void get(int offset, ByteBuffer dst, int dstIndex, int len) {
        int at = index(offset);
        int first = Math.min(len, bytes.length - at);
        dst.put(dstIndex, bytes, at, first);
        if (first < len) {
            dst.put(dstIndex + first, bytes, 0, len - first);
        }
    }

    /** Moves the head forward: logical offset {@code n} becomes 0. */
    void skip(int n) {
        head = index(n);
    }
}
