package dev.pinhole.netstack.tcp;

import dev.pinhole.budget.Allowance;
import java.nio.ByteBuffer;

/**
 * A circular byte store addressed by logical offsets from its head. It holds no memory while empty and grows on
 * demand up to a fixed limit; every byte it allocates is first acquired from an {@link Allowance} (the owning
 * client's buffer budget) and given back when the ring empties or is freed, so the budget counts the heap the
 * rings really hold. {@link #room} says how far it can grow now, so callers take only what fits.
 */
final class ByteRing {
    private static final int INITIAL = 4096;
    private static final byte[] NONE = new byte[0];
    private final int limit;
    private final Allowance budget;
    private byte[] bytes = NONE;
    private int head;

    ByteRing(int limit, Allowance budget) {
        this.limit = limit;
        this.budget = budget;
    }

    int limit() {
        return limit;
    }

    /** Bytes currently allocated (for memory accounting). */
    int allocated() {
        return bytes.length;
    }

    /** The largest logical end addressable now or after growing within the budget (at most the limit). */
    int room() {
        long grantable = Math.min(budget.available(), limit); // an unlimited budget says Long.MAX_VALUE
        return (int) Math.min(limit, bytes.length + grantable);
    }

    /**
     * Makes logical offsets [0, end) addressable, growing within the budget; {@code end} must not exceed
     * {@link #room()} as read just before (same thread).
     */
    void ensure(int end) {
        if (end <= bytes.length) {
            return;
        }
        if (end > limit) {
            throw new IllegalStateException("ring limit " + limit + " exceeded: " + end);
        }
        // Doubling keeps copies rare; when the budget cannot grant the doubled size, grow exactly.
        int newLength = (int) Math.min(limit, Math.max(end, Math.max(INITIAL, 2L * bytes.length)));
        if (!budget.tryAcquire(newLength - bytes.length)) {
            newLength = end;
            if (!budget.tryAcquire(newLength - bytes.length)) {
                throw new IllegalStateException("buffer budget " + budget + " refused " + (end - bytes.length)
                        + " bytes that room() granted");
            }
        }
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
        head = bytes.length == 0 ? 0 : index(n);
    }

    /** The ring holds nothing the owner still needs: its memory goes back to the budget. */
    void free() {
        if (bytes.length > 0) {
            budget.release(bytes.length);
            bytes = NONE;
            head = 0;
        }
    }
}
